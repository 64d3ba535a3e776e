import { Injectable } from '@nestjs/common';
import { EventType } from '../event/event.types';
import type { ToolServices } from '../tool/tool.types';
import type { ToolScope, ToolServiceSource } from './session-extension.port';
import { SessionService } from './session.service';

/** Services the session itself offers to tools: `file.edited` after a tool wrote a file of the project. */
@Injectable()
export class SessionToolServices implements ToolServiceSource {
  constructor(private readonly sessions: SessionService) {}

  servicesFor({ session }: ToolScope): Partial<ToolServices> {
    return { fileEdited: (file: string) => this.sessions.publish(session, EventType.FileEdited, { file }) };
  }
}

import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventType } from '../event/event.types';
import { SessionHooks } from './session.hooks';
import { SessionService } from './session.service';

/** Services the session itself offers to tools: `file.edited` after a tool wrote a file of the project. */
@Injectable()
export class SessionToolServices implements OnModuleInit {
  constructor(
    private readonly hooks: SessionHooks,
    private readonly sessions: SessionService,
  ) {}

  onModuleInit(): void {
    this.hooks.toolServices.push(({ session }) => ({
      fileEdited: (file: string) => this.sessions.publish(session, EventType.FileEdited, { file }),
    }));
  }
}

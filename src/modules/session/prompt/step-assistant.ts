import { newId } from '../../../core/ids';
import type { SessionRow } from '../session.repository';
import type { AssistantMessageInfo, PartInfo, UserMessageInfo } from '../session.types';
import { emptyTokens } from '../session.types';

/** The assistant message a loop step answers `user` with (OpenCode's: cost 0, empty tokens, the user's agent). */
export function stepAssistant(row: Pick<SessionRow, 'id' | 'directory'>, user: UserMessageInfo): AssistantMessageInfo {
  return {
    id: newId('message'),
    sessionID: row.id,
    role: 'assistant',
    parentID: user.id,
    time: { created: Date.now() },
    modelID: user.model.modelID,
    providerID: user.model.providerID,
    mode: user.agent,
    agent: user.agent,
    path: { cwd: row.directory, root: row.directory },
    cost: 0,
    tokens: emptyTokens(),
  };
}

/**
 * The school's AI disclosure, the first part of a session's first answer: shown to the student, stored with the
 * answer, never sent back to the model (`ignored`).
 */
export function disclosurePart(row: Pick<SessionRow, 'id'>, assistant: AssistantMessageInfo, text: string): PartInfo {
  const now = Date.now();
  return {
    id: newId('part'),
    sessionID: row.id,
    messageID: assistant.id,
    type: 'text',
    text,
    synthetic: true,
    ignored: true,
    time: { start: now, end: now },
    metadata: { disclosure: true },
  };
}

import os from 'node:os';
import type { AgentInfo } from '../../agent/agent.builtins';
import type { ModelRef } from '../../provider/provider.service';
import { buildSystemPrompt } from '../prompt/system/system-prompt';
import type { SessionRow } from '../session.repository';
import type { SystemMaterial } from '../session-extension.port';
import type { UserMessageInfo } from '../session.types';

/** The system prompt of a loop step: the sources' material, the agent's prompt, the environment, the user's own. */
export function stepSystem(
  extras: SystemMaterial[],
  agent: AgentInfo,
  ref: ModelRef,
  row: SessionRow,
  user: UserMessageInfo,
): string[] {
  return buildSystemPrompt({
    instructions: extras.flatMap((e) => e.instructions ?? []),
    skills:
      extras
        .map((e) => e.skills ?? '')
        .filter(Boolean)
        .join('\n\n') || undefined,
    agentPrompt: agent.prompt,
    providerId: ref.providerID,
    environment: {
      modelId: ref.modelID,
      cwd: row.directory,
      worktree: row.directory,
      isGit: false,
      platform: os.platform(),
      date: new Date(),
    },
    userSystem: user.system,
  });
}

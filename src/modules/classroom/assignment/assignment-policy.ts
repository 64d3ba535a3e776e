import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { AuthContext } from '../../../core/auth/auth-context';
import { BadRequestError } from '../../../core/errors/domain-error';
import { AgentService } from '../../agent/agent.service';
import { ConfigService } from '../../config/config.service';
import { wildcardMatch } from '../../permission/permission.rules';
import { ProviderRegistry } from '../../provider/provider-registry';

/**
 * What a student may use while working on an assignment: agents and `provider/model` refs (`*` wildcards).
 * It is one more allow-list on top of the school's and the class's, read by AccessService for the seeded
 * project, so it only narrows. The first allowed primary agent is the default (e.g. `["tutor"]`).
 */
export const assignmentPolicySchema = z
  .object({
    agents: z.array(z.string().min(1).max(100)).max(50).optional(),
    models: z.array(z.string().min(1).max(200)).max(50).optional(),
  })
  .strict();
export type AssignmentPolicy = z.infer<typeof assignmentPolicySchema>;

/** Checks a policy against the agents and models the school actually has: a typo is a 400, not a locked-out class. */
@Injectable()
export class AssignmentPolicyValidator {
  private readonly registry = new ProviderRegistry();

  constructor(
    private readonly agents: AgentService,
    private readonly config: ConfigService,
  ) {}

  async parse(auth: AuthContext, input: unknown): Promise<AssignmentPolicy> {
    const parsed = assignmentPolicySchema.safeParse(input ?? {});
    if (!parsed.success)
      throw new BadRequestError(
        `Invalid policy: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        {},
        'policy_invalid',
      );
    const policy = parsed.data;
    if (policy.agents) {
      const known = (await this.agents.list(auth)).filter((a) => a.mode !== 'subagent').map((a) => a.name);
      const unknown = policy.agents.filter((p) => !known.some((name) => wildcardMatch(name, p)));
      if (unknown.length)
        throw new BadRequestError(
          `Unknown agent in policy: ${unknown.join(', ')} (known: ${known.join(', ')})`,
          { unknown },
          'policy_unknown_agent',
        );
    }
    if (policy.models) {
      const config = await this.config.effective(auth);
      const refs = this.registry.list(config).all.flatMap((p) => Object.keys(p.models).map((m) => `${p.id}/${m}`));
      const unknown = policy.models.filter((p) => !refs.some((ref) => wildcardMatch(ref, p)));
      if (unknown.length)
        throw new BadRequestError(
          `Unknown model in policy: ${unknown.join(', ')}`,
          { unknown },
          'policy_unknown_model',
        );
    }
    return policy;
  }
}

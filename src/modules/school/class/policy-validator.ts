import { Injectable } from '@nestjs/common';
import type { ZodType } from 'zod';
import type { AuthContext } from '../../../core/auth/auth-context';
import { BadRequestError } from '../../../core/errors/domain-error';
import type { AccessPolicy, Config } from '../../config/config.schema';
import { AgentService } from '../../agent/agent.service';
import { ConfigService } from '../../config/config.service';
import { mergeLayersWithProviderPolicy } from '../../config/provider-endpoints';
import type { SchoolPolicyCheck } from '../../config/school-policy.port';
import { wildcardMatch } from '../../permission/permission.rules';
import { ProviderRegistry } from '../../provider/provider-registry';
import { ToolRegistry } from '../../tool/tool.registry';

const invalid = (what: string, message: string, details: Record<string, unknown> = {}) =>
  new BadRequestError(`Invalid ${what}: ${message}`, details, 'policy_invalid');

/**
 * Checks an agent and model policy (a class's settings, an assignment's, a school config's `role_access`) against what the school actually has: a
 * typo is a 400, not a locked-out class or a tool that stays on. Agents and models must each match something the
 * school has; the defaults must be concrete, exist and pass the policy's own lists; tools must be built-in ids (or
 * match one) or MCP tool names (`server_tool`).
 */
@Injectable()
export class PolicyValidator implements SchoolPolicyCheck {
  private readonly registry = new ProviderRegistry();

  constructor(
    private readonly agents: AgentService,
    private readonly config: ConfigService,
    private readonly tools: ToolRegistry,
  ) {}

  async parse<T extends AccessPolicy>(auth: AuthContext, schema: ZodType<T>, input: unknown, what: string): Promise<T> {
    // A JSON round trip first: class-validator DTO instances become plain objects for the strict schema.
    const parsed = schema.safeParse(JSON.parse(JSON.stringify(input ?? {})));
    if (!parsed.success)
      throw invalid(what, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
    const policy = parsed.data;
    this.check(policy, what, await this.config.effective(auth));
    return policy;
  }

  /**
   * `role_access` of a school config about to be stored, each role's list against the agents and models that
   * config gives the school (the platform's layer merged with it): a list naming only what the school has.
   */
  async checkRoleAccess(_auth: AuthContext, layer: Config): Promise<void> {
    if (!layer.role_access) return;
    const config = mergeLayersWithProviderPolicy(this.config.platform(), layer);
    for (const role of ['admin', 'teacher', 'student'] as const) {
      const policy = layer.role_access[role];
      if (policy) this.check(policy, `role_access.${role}`, config);
    }
  }

  /** One policy against the agents and models of a merged config, and the built-in tools. */
  private check(policy: AccessPolicy, what: string, config: Config): void {
    this.checkAgents(policy, what, config);
    this.checkModels(policy, what, config);
    this.checkTools(policy, what);
  }

  private checkAgents(policy: AccessPolicy, what: string, config: Config): void {
    if (!policy.agents && !policy.default_agent) return;
    const known = this.agents
      .resolve(config)
      .filter((a) => a.mode !== 'subagent')
      .map((a) => a.name);
    const unknown = (policy.agents ?? []).filter((p) => !known.some((name) => wildcardMatch(name, p)));
    if (policy.default_agent && !known.includes(policy.default_agent)) unknown.push(policy.default_agent);
    if (unknown.length)
      throw new BadRequestError(
        `Unknown agent in ${what}: ${unknown.join(', ')} (known: ${known.join(', ')})`,
        { unknown },
        'policy_unknown_agent',
      );
    const d = policy.default_agent;
    if (d && policy.agents && !policy.agents.some((p) => wildcardMatch(d, p)))
      throw invalid(what, `default_agent "${d}" is not in its own agents list`, { default_agent: d });
  }

  private checkModels(policy: AccessPolicy, what: string, config: Config): void {
    if (!policy.models && !policy.default_model) return;
    const refs = this.registry.list(config).all.flatMap((p) => Object.keys(p.models).map((m) => `${p.id}/${m}`));
    const unknown = (policy.models ?? []).filter((p) => !refs.some((ref) => wildcardMatch(ref, p)));
    if (policy.default_model && !refs.includes(policy.default_model)) unknown.push(policy.default_model);
    if (unknown.length)
      throw new BadRequestError(`Unknown model in ${what}: ${unknown.join(', ')}`, { unknown }, 'policy_unknown_model');
    const d = policy.default_model;
    if (d && policy.models && !policy.models.some((p) => wildcardMatch(d, p)))
      throw invalid(what, `default_model "${d}" is not in its own models list`, { default_model: d });
  }

  private checkTools(policy: AccessPolicy, what: string): void {
    const ids = this.tools.ids();
    const unknown = Object.keys(policy.tools ?? {}).filter(
      (name) => !name.includes('_') && !ids.some((id) => wildcardMatch(id, name)),
    );
    if (unknown.length)
      throw new BadRequestError(
        `Unknown tool in ${what}: ${unknown.join(', ')} (built-in: ${ids.join(', ')}; MCP tools are server_tool)`,
        { unknown },
        'policy_unknown_tool',
      );
  }
}

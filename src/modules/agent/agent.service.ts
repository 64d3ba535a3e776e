import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { NotFoundError } from '../../core/errors/domain-error';
import { AgentNotAllowedError } from '../access/access.errors';
import { agentRefusedBy, lockedBy, policyDefaultAgent, type UserAccess } from '../access/access.policy';
import { AccessService } from '../access/access.service';
import { ConfigService } from '../config/config.service';
import { ProjectService } from '../project/project.service';
import { configRuleset } from '../config/config.merge';
import type { Config } from '../config/config.schema';
import { defaultAgent, resolveAgents, type AgentInfo } from './agent.builtins';

/** Agents visible in a project: built-ins, then tenant/project definitions, then config `agent.*`. */
@Injectable()
export class AgentService {
  constructor(
    private readonly config: ConfigService,
    private readonly projects: ProjectService,
    private readonly access: AccessService,
  ) {}

  /**
   * `GET /agent`: the agents the caller's policies (role, class, assignment) let them pick, the policy's default
   * first (OpenCode's TUI starts on the first primary agent); where the user may not change (`allow_change: false`)
   * the default is the only primary agent listed.
   */
  async listFor(auth: AuthContext, directory?: string): Promise<AgentInfo[]> {
    const projectId = (await this.projects.resolve(auth, directory)).id;
    const [agents, access] = await Promise.all([this.list(auth, projectId), this.access.forUser(auth, projectId)]);
    const allowed = agents.filter((a) => !agentRefusedBy(access, a.name));
    const locked = !!lockedBy(access);
    if (!locked && !policyDefaultAgent(access)) return allowed;
    const first = await this.defaultFor(auth, projectId, access).catch(() => undefined);
    if (!first) return allowed;
    const rest = allowed.filter((a) => a.name !== first.name && (!locked || a.mode === 'subagent'));
    return [first, ...rest];
  }

  /**
   * The agent of a user who names none: the policy's default, else the configured default (`default_agent`), else
   * the first primary agent the lists allow. The TurnContext and `GET /agent` both ask here.
   */
  async defaultFor(auth: AuthContext, projectId: string | undefined, access: UserAccess): Promise<AgentInfo> {
    const agents = await this.list(auth, projectId);
    const named = policyDefaultAgent(access);
    const policy = named ? agents.find((a) => a.name === named && a.mode !== 'subagent') : undefined;
    if (policy) return policy;
    const configured = await this.get(auth, undefined, projectId);
    const refused = agentRefusedBy(access, configured.name);
    if (!refused) return configured;
    const allowed = agents.find((a) => a.mode !== 'subagent' && !a.hidden && !agentRefusedBy(access, a.name));
    if (!allowed) throw new AgentNotAllowedError(configured.name, refused.source);
    return allowed;
  }

  // ConfigService hands out the same object while its cache holds, so agents are resolved once per config.
  private readonly resolved = new WeakMap<object, AgentInfo[]>();

  async list(auth: AuthContext, projectId?: string): Promise<AgentInfo[]> {
    return this.resolve(await this.config.effective(auth, projectId));
  }

  /** The agents a merged config gives (also a config not stored yet: a school's PATCH is checked against it). */
  resolve(config: Config): AgentInfo[] {
    let agents = this.resolved.get(config);
    if (!agents) {
      agents = resolveAgents(config.agent as never, [], { userPermission: configRuleset(config) });
      this.resolved.set(config, agents);
    }
    return agents;
  }

  async get(auth: AuthContext, name: string | undefined, projectId?: string): Promise<AgentInfo> {
    const agents = await this.list(auth, projectId);
    if (!name) {
      const config = await this.config.effective(auth, projectId);
      return defaultAgent(agents, config.default_agent);
    }
    const agent = agents.find((a) => a.name === name);
    if (!agent) throw new NotFoundError(`Agent not found: ${name}`);
    return agent;
  }
}

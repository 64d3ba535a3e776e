import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { NotFoundError } from '../../core/errors/domain-error';
import { agentRefusedBy } from '../access/access.policy';
import { AccessService } from '../access/access.service';
import { ConfigService } from '../config/config.service';
import { ProjectService } from '../project/project.service';
import { configRuleset } from '../config/config.merge';
import { defaultAgent, resolveAgents, type AgentInfo } from './agent.builtins';

/** Agents visible in a project: built-ins, then tenant/project definitions, then config `agent.*`. */
@Injectable()
export class AgentService {
  constructor(
    private readonly config: ConfigService,
    private readonly projects: ProjectService,
    private readonly access: AccessService,
  ) {}

  /** `GET /agent`: the agents the caller's allow-lists (role, class) let them pick. */
  async listFor(auth: AuthContext, directory?: string): Promise<AgentInfo[]> {
    const projectId = (await this.projects.resolve(auth, directory)).id;
    const [agents, access] = await Promise.all([this.list(auth, projectId), this.access.forUser(auth, projectId)]);
    return agents.filter((a) => !agentRefusedBy(access, a.name));
  }

  // ConfigService hands out the same object while its cache holds, so agents are resolved once per config.
  private readonly resolved = new WeakMap<object, AgentInfo[]>();

  async list(auth: AuthContext, projectId?: string): Promise<AgentInfo[]> {
    const config = await this.config.effective(auth, projectId);
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

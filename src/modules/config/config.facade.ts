import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError } from '../../core/errors/domain-error';
import { ProjectService } from '../project/project.service';
import { AuditService } from '../audit/audit.service';
import { ConfigRepository } from './config.repository';
import { ConfigService } from './config.service';
import { mergeConfig } from './config.merge';
import { parseConfig } from './config.parse';
import type { Config } from './config.schema';

/** Config routes: validated, merged into the project or tenant layer. */
@Injectable()
export class ConfigFacade {
  constructor(
    private readonly config: ConfigService,
    private readonly repo: ConfigRepository,
    private readonly projects: ProjectService,
    private readonly audit: AuditService,
  ) {}

  async effective(auth: AuthContext, directory?: string): Promise<Config> {
    const project = await this.projects.resolve(auth, directory);
    return redactSecrets(await this.config.effective(auth, project.id));
  }

  async tenant(auth: AuthContext): Promise<Config> {
    return redactSecrets((await this.config.tenantLayer(auth.tenantId)) ?? {});
  }

  async patchProject(auth: AuthContext, body: Record<string, unknown>, directory?: string): Promise<Config> {
    const project = await this.projects.resolve(auth, directory, 'write');
    const patch = this.validate(body);
    const next = mergeConfig((await this.config.projectLayer(auth.tenantId, project.id)) ?? {}, patch);
    await this.repo.put(auth.tenantId, `project:${project.id}`, next);
    this.config.invalidate();
    await this.audit.record(auth, 'config.update', `project:${project.id}`, { keys: Object.keys(patch) });
    return redactSecrets(patch);
  }

  async patchTenant(auth: AuthContext, body: Record<string, unknown>): Promise<Config> {
    const patch = this.validate(body);
    const next = mergeConfig((await this.config.tenantLayer(auth.tenantId)) ?? {}, patch);
    await this.repo.put(auth.tenantId, 'tenant', next);
    this.config.invalidate();
    await this.audit.record(auth, 'config.update', 'tenant', { keys: Object.keys(patch) });
    return redactSecrets(next);
  }

  private validate(body: Record<string, unknown>): Config {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new BadRequestError('The body must be a config object');
    return parseConfig(body, 'request body');
  }
}

const REDACTED = '[redacted]';

/**
 * Unlike single-user OpenCode, config is read by students too: provider keys, MCP environments and header
 * values never leave the server.
 */
export function redactSecrets(config: Config): Config {
  const copy = structuredClone(config) as Config & Record<string, any>;
  for (const provider of Object.values(copy.provider ?? {}) as Record<string, any>[]) {
    if (provider.options?.apiKey) provider.options.apiKey = REDACTED;
    for (const k of Object.keys(provider.options?.headers ?? {})) provider.options.headers[k] = REDACTED;
  }
  for (const server of Object.values(copy.mcp ?? {}) as Record<string, any>[]) {
    for (const k of Object.keys(server.environment ?? {})) server.environment[k] = REDACTED;
    for (const k of Object.keys(server.headers ?? {})) server.headers[k] = REDACTED;
    if (server.oauth?.clientSecret) server.oauth.clientSecret = REDACTED;
  }
  return copy;
}

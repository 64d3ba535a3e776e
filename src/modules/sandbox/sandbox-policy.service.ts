import { Injectable } from '@nestjs/common';
import { SandboxRepository } from './sandbox.repository';
import type { SandboxIdentity, SandboxOrigin } from './sandbox.types';
import { identityForTenant } from './workspace-access';

export interface TenantSandbox {
  /** `Tenant.settings.bashNetwork`; off unless the school turned it on. */
  network: boolean;
  /** The school's own uid/gid, so its process cap and file ownership are not shared with other schools. */
  identity: SandboxIdentity;
  /** Who asked and through which door, for the audit log of unsandboxed runs. */
  origin: SandboxOrigin;
}

/**
 * What a tenant's commands run with. Every caller of SandboxRunner that acts for a tenant (bash, `!cmd` in
 * command templates, the session shell, git for the file routes, local MCP servers) takes it from here, so one
 * workspace is never handed back and forth between uids.
 */
@Injectable()
export class SandboxPolicy {
  constructor(private readonly repo: SandboxRepository) {}

  identity(tenantId: string): SandboxIdentity {
    return identityForTenant(tenantId);
  }

  async forTenant(tenantId: string, via: string, userId?: string): Promise<TenantSandbox> {
    return {
      network: await this.repo.bashNetwork(tenantId),
      identity: identityForTenant(tenantId),
      origin: { tenantId, userId, via },
    };
  }
}

import type { SandboxMode, SandboxOrigin } from './sandbox.types';

/**
 * Port: the audit log, for commands that ran without the sandbox (SANDBOX=optional without bubblewrap). Bound in
 * PortsModule to the audit module, which sits in the same layer.
 */
export interface SandboxAudit {
  unsandboxedRun(
    origin: SandboxOrigin,
    details: { command: string; mode: SandboxMode; reason: string | null },
  ): Promise<void>;
}

export const SANDBOX_AUDIT = Symbol('SANDBOX_AUDIT');

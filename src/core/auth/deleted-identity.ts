import { createHash } from 'node:crypto';

/**
 * What a deleted account keeps of its host-platform identity: a hash of tenant and external id, in place of the
 * id itself. Anonymisation removes the id (it names a person); the hash still lets a sign-in recognise the account
 * as deleted instead of silently creating a new one for the same person.
 */
export function deletedExternalId(tenantId: string, externalId: string): string {
  return `deleted:${createHash('sha256').update(`${tenantId}\0${externalId}`).digest('hex')}`;
}

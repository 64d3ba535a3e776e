import { z } from 'zod';

/**
 * Published by every door that takes rights away (a key revoked, a user deleted or re-roled, a class's roster
 * changed, a school's settings changed or the school deleted) or changes an agent and model policy. It travels the
 * bus like any event, so every API process hears it; the `internal.` prefix keeps it off client streams. Open
 * streams of the tenant re-read their caller's rights and close when they narrowed.
 */
export const ACCESS_CHANGED = 'internal.access.changed';

export const accessChangeSchema = z.object({
  reason: z.enum([
    'key.revoked',
    'user.deleted',
    'user.updated',
    'class.changed',
    'tenant.settings',
    'tenant.deleted',
    // An agent and model policy changed (a class's settings, an assignment's, the school config's `role_access`):
    // no stream closes, every process drops its cached policies (AccessService) and config layers (ConfigService).
    'policy.changed',
  ]),
  /** The user whose rights changed (key revoked, deleted, re-roled). */
  userId: z.string().optional(),
  keyId: z.string().optional(),
  classId: z.string().optional(),
});

export type AccessChange = z.infer<typeof accessChangeSchema>;

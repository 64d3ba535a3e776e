import { randomBytes } from 'node:crypto';
import type { Target } from '../servers/target';

export interface School {
  id: string;
  /** Headers with the school admin's key (the school's own sessions and streams). */
  headers: Record<string, string>;
}

/**
 * A school of ours, made the way the platform makes one: `POST /admin/tenants` with the bench's platform key.
 * OpenCode has no schools; callers use its one server-wide "school" (the target's own headers) instead.
 */
export async function createSchool(target: Target, label: string): Promise<School> {
  const slug = `bench-${label}-${randomBytes(4).toString('hex')}`;
  const res = await fetch(`${target.baseUrl}/admin/tenants`, {
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `Bench ${label}`, slug, admin: { name: `${label} admin` } }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json().catch(() => ({}))) as { key?: string; tenant?: { id?: string } };
  if (res.status !== 201 || !body.key || !body.tenant?.id)
    throw new Error(`POST /admin/tenants: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return { id: body.tenant.id, headers: { Authorization: `Bearer ${body.key}` } };
}

/** One POST /session with the given headers; returns the id. */
export async function newSession(baseUrl: string, headers: Record<string, string>, title: string, query = ''): Promise<string> {
  const res = await fetch(`${baseUrl}/session${query ? `?${query}` : ''}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ title }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await res.json().catch(() => ({}))) as { id?: string };
  if (!res.ok || !body.id) throw new Error(`POST /session: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body.id;
}

import type { Client } from './http';

/**
 * Stores the caller's project named `directory` (the default one without) the way a client does, by a write: a
 * session is created in it and deleted again. Reads never create a project; fixtures that put files into a
 * project's folder call this first. Returns the project as `GET /project/current` shows it.
 */
export async function createProject(as: Client, directory?: string): Promise<{ id: string; worktree: string }> {
  const query = directory === undefined ? undefined : { directory };
  const created = await as.post('/session', { query, body: { title: 'project fixture' } });
  if (created.status !== 200) throw new Error(`POST /session answered ${created.status}: ${created.text}`);
  const removed = await as.delete(`/session/${created.body.id}`);
  if (removed.status !== 200) throw new Error(`DELETE /session answered ${removed.status}: ${removed.text}`);
  return (await as.get('/project/current', { query })).body;
}

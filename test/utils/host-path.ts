import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { VIRTUAL_WORKSPACE } from '../../src/core/http/host-paths';
import type { TestApp } from './test-app';

/**
 * The host folder behind a path the API showed a school's user (`/workspace/<slug>/…`): tests that set files up
 * on disk, or look at them there, work on the host; the API never shows it to them. A slug carries its owner's
 * id, unique across tenants, so the tenant folder holding it is the one.
 */
export function onHost(app: Pick<TestApp, 'config'>, shown: string): string {
  if (!shown.startsWith(VIRTUAL_WORKSPACE + '/')) return shown;
  const [slug, ...rest] = shown.slice(VIRTUAL_WORKSPACE.length + 1).split('/');
  const root = path.resolve(app.config.workspaceRoot);
  for (const tenant of readdirSync(root))
    if (existsSync(path.join(root, tenant, slug))) return path.join(root, tenant, slug, ...rest);
  throw new Error(`No project folder on the host for ${shown}`);
}

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PUBLIC_EXTENSION } from '../core/auth/auth.decorators';
import { ERROR_SCHEMA } from '../core/http/api-doc.decorator';
import { VERSION } from '../core/version';

/** Tags in the order a newcomer meets them: is it up, how to sign in, then a session and what it works on. */
export const TAG_ORDER: [name: string, description: string][] = [
  ['health', 'Liveness and readiness; public.'],
  ['auth', "API keys and the school platform's JWTs: how a caller signs in."],
  ['session', 'Sessions, prompts and their messages: talking to the agent.'],
  ['event', 'Server-sent events: following sessions live.'],
  ['permission', 'Permission requests of the agent, answered by the user.'],
  ['question', 'Questions the agent asks the user.'],
  ['project', "Projects: each user's workspaces on the server."],
  ['file', 'Files, search and version control in a project workspace.'],
  ['pty', 'Terminals running a shell in the project sandbox.'],
  ['worktree', 'Git worktrees of a project, for parallel sessions.'],
  ['config', 'The layered OpenCode config of a project and a school.'],
  ['agent', 'Agents a project offers.'],
  ['command', 'Commands (prompt templates) a project offers.'],
  ['skill', 'Skills a project offers.'],
  ['tool', 'Tools the agent can call.'],
  ['provider', "LLM providers and models, and the school's provider credentials."],
  ['mcp', 'MCP servers of a project.'],
  ['share', 'Public read-only share links of a session.'],
  ['instance', "OpenCode's instance-level routes: client logs, dispose, capabilities."],
  ['classroom', 'Assignments, teacher notes and workspace files of a class.'],
  ['admin', 'School administration: classes, budgets, usage, audit.'],
  ['admin: users and keys', "A school's users and their API keys."],
  ['admin: tenants', 'Schools on this server (platform administrators).'],
  ['admin: snapshots', 'Snapshot storage maintenance.'],
  ['unsupported', 'OpenCode operations that mean nothing on a hosted multi-tenant server: a typed 400.'],
];

/**
 * Swagger UI at /docs, the OpenAPI JSON at /doc (where OpenCode serves its own). The document is built on the first
 * request for it, not at boot: scanning every route and DTO costs a start about 150 ms and keeps the whole document
 * in memory for a server nobody may ever ask for it.
 */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildDocument(app), {
    jsonDocumentUrl: 'doc',
    swaggerOptions: { persistAuthorization: true },
  });
}

/** The OpenAPI document of every route the app has registered. */
export function buildDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('opencode-api')
    .setDescription(
      'Multi-tenant, OpenCode-compatible coding-agent backend. Authorize with an API key: Bearer <key> ' +
        '(or HTTP Basic with the key as password, as the OpenCode SDK sends it).',
    )
    .setVersion(VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'Any user name, the API key as password' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // PostStatusInterceptor answers OpenCode's POST routes with 200, as OpenCode does; say so in the document too.
  for (const [route, item] of Object.entries(document.paths)) {
    const created = item.post?.responses?.['201'];
    if (created && !route.startsWith('/admin/')) {
      item.post!.responses = {
        '200': created,
        ...Object.fromEntries(Object.entries(item.post!.responses).filter(([code]) => code !== '201')),
      };
    }
  }
  for (const item of Object.values(document.paths)) {
    for (const op of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!op) continue;
      if ((op as unknown as Record<string, unknown>)[PUBLIC_EXTENSION]) {
        op.security = [];
        continue;
      }
      op.responses['401'] ??= {
        description: 'UnauthorizedError: no credentials, or an unknown, revoked or expired API key or token.',
        content: { 'application/json': { schema: ERROR_SCHEMA } },
      };
    }
  }
  const known = new Set(TAG_ORDER.map(([name]) => name));
  document.tags = [
    ...TAG_ORDER.map(([name, description]) => ({ name, description })),
    ...(document.tags ?? []).filter((t) => !known.has(t.name)),
  ];
  return document;
}

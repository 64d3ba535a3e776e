import path from 'node:path';
import type { AppConfig } from '../core/config/app-config';

/** What a person needs after `npm start`: where it runs, how to log in, and what to set for a model. */
export function startBanner(config: AppConfig, url: string, demoKey: string | undefined, embedded: boolean): string {
  const rel = (p: string) =>
    path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p) || '.';
  const keys = Object.keys(config.providerEnv).filter((k) => /_API_KEY$/.test(k));
  const model =
    config.opencodeConfigContent || config.opencodeConfigPath
      ? `from ${config.opencodeConfigPath ? `OPENCODE_CONFIG (${config.opencodeConfigPath})` : 'OPENCODE_CONFIG_CONTENT'}`
      : keys.length
        ? `providers with keys in the environment: ${keys.join(', ')}`
        : 'none yet. Set a provider key, e.g. OPENAI_API_KEY=… or ANTHROPIC_API_KEY=…, or point\n' +
          `                  OPENCODE_CONFIG_CONTENT at any OpenAI-compatible server (README: "Configuration")`;
  const lines = [
    '',
    '  opencode-api is ready',
    '',
    `    URL           ${url}`,
    `    Swagger UI    ${url}/docs   (Authorize → the admin key)`,
    ...(demoKey
      ? [
          `    Admin key     ${demoKey}${config.bootstrapApiKey ? '' : `   (kept in ${rel(path.join(config.dataDir, 'demo-admin-key'))})`}`,
        ]
      : []),
    `    Database      ${embedded ? `embedded PostgreSQL ${config.embeddedDbInMemory ? '(throwaway, removed at exit)' : `in ${rel(path.join(config.dataDir, 'postgres'))}`}` : 'DATABASE_URL'}${config.redisUrl ? ' + Redis' : ''}`,
    `    Model         ${model}`,
    '',
    '  Stop with Ctrl-C.',
    '',
  ];
  return lines.join('\n') + '\n';
}

#!/usr/bin/env node
// Turns `opencode models --verbose` (OpenCode's bundled models.dev catalogue, printed with prices for every
// provider whose key variable is set) into src/modules/provider/models/models-opencode.json, in models.dev's
// shape. Usage:
//   npm i opencode-ai@1.18.33 (in a scratch directory, not here)
//   env OPENAI_API_KEY=x ANTHROPIC_API_KEY=x ... OPENCODE_DISABLE_MODELS_FETCH=1 opencode models --verbose --pure > out.txt
//   node scripts/catalogue-from-opencode.cjs out.txt 1.18.33 && npx prettier --write src/modules/provider/models/models-opencode.json
// Providers already in models-snapshot.json keep their hand-checked entries (the catalogue merges this file under it).
const fs = require('node:fs');
const path = require('node:path');

const [input, version = 'unknown'] = process.argv.slice(2);
if (!input) {
  console.error('usage: catalogue-from-opencode.cjs <opencode-models-verbose.txt> [opencode-version]');
  process.exit(2);
}
const lines = fs.readFileSync(input, 'utf8').split('\n');
const models = [];
for (let i = 0; i < lines.length; i++) {
  if (lines[i] !== '{') continue;
  let j = i;
  while (lines[j] !== '}') j++;
  models.push(JSON.parse(lines.slice(i, j + 1).join('\n')));
  i = j;
}

// Provider-level facts the verbose listing does not print: display name, key variables, main SDK package.
const PROVIDERS = {
  'amazon-bedrock': ['Amazon Bedrock', ['AWS_BEARER_TOKEN_BEDROCK', 'AWS_ACCESS_KEY_ID'], '@ai-sdk/amazon-bedrock'],
  cerebras: ['Cerebras', ['CEREBRAS_API_KEY'], '@ai-sdk/cerebras'],
  'cloudflare-ai-gateway': ['Cloudflare AI Gateway', ['CLOUDFLARE_API_TOKEN'], '@ai-sdk/openai-compatible'],
  'cloudflare-workers-ai': [
    'Cloudflare Workers AI',
    ['CLOUDFLARE_API_KEY', 'CLOUDFLARE_API_TOKEN'],
    '@ai-sdk/openai-compatible',
  ],
  cohere: ['Cohere', ['COHERE_API_KEY'], '@ai-sdk/cohere'],
  deepinfra: ['Deep Infra', ['DEEPINFRA_API_KEY'], '@ai-sdk/deepinfra'],
  'fireworks-ai': ['Fireworks AI', ['FIREWORKS_API_KEY'], '@ai-sdk/openai-compatible'],
  // Listed for their models and prices, never connected by an env var: see docs/compatibility.md (Copilot, GitLab Duo).
  'github-copilot': ['GitHub Copilot', [], '@ai-sdk/github-copilot'],
  gitlab: ['GitLab Duo', [], 'gitlab-ai-provider'],
  'google-vertex-anthropic': [
    'Vertex (Anthropic)',
    ['GOOGLE_VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT'],
    '@ai-sdk/google-vertex/anthropic',
  ],
  huggingface: ['Hugging Face', ['HF_TOKEN'], '@ai-sdk/openai-compatible'],
  moonshotai: ['Moonshot AI', ['MOONSHOT_API_KEY'], '@ai-sdk/openai-compatible'],
  nvidia: ['Nvidia', ['NVIDIA_API_KEY'], '@ai-sdk/openai-compatible'],
  perplexity: ['Perplexity', ['PERPLEXITY_API_KEY'], '@ai-sdk/perplexity'],
  'sap-ai-core': ['SAP AI Core', ['AICORE_SERVICE_KEY'], '@jerome-benoit/sap-ai-provider-v2'],
  togetherai: ['Together AI', ['TOGETHER_API_KEY'], '@ai-sdk/togetherai'],
  vercel: ['Vercel AI Gateway', ['AI_GATEWAY_API_KEY'], '@ai-sdk/gateway'],
};

const MODALITIES = ['text', 'audio', 'image', 'video', 'pdf'];
const on = (io) => MODALITIES.filter((m) => io?.[m]);

function toDev(m, providerNpm) {
  const c = m.cost ?? {};
  const cost = { input: c.input ?? 0, output: c.output ?? 0 };
  if (c.cache) Object.assign(cost, { cache_read: c.cache.read ?? 0, cache_write: c.cache.write ?? 0 });
  if (c.experimentalOver200K)
    cost.context_over_200k = {
      input: c.experimentalOver200K.input,
      output: c.experimentalOver200K.output,
      cache_read: c.experimentalOver200K.cache?.read ?? 0,
      cache_write: c.experimentalOver200K.cache?.write ?? 0,
    };
  if (c.tiers?.length)
    cost.tiers = c.tiers.map((t) => ({
      tier: t.tier,
      input: t.input,
      output: t.output,
      cache_read: t.cache?.read ?? 0,
      cache_write: t.cache?.write ?? 0,
    }));
  const cap = m.capabilities;
  const out = {
    id: m.api.id === m.id ? m.id : m.id,
    name: m.name,
    ...(m.family ? { family: m.family } : {}),
    attachment: cap.attachment,
    reasoning: cap.reasoning,
    tool_call: cap.toolcall,
    temperature: cap.temperature,
    ...(cap.interleaved && cap.interleaved !== false ? { interleaved: cap.interleaved } : {}),
    release_date: m.release_date ?? '',
    modalities: { input: on(cap.input), output: on(cap.output) },
    cost,
    limit: m.limit,
    ...(m.status && m.status !== 'active' ? { status: m.status } : {}),
    ...(Object.keys(m.options ?? {}).length ? { options: m.options } : {}),
    ...(Object.keys(m.headers ?? {}).length ? { headers: m.headers } : {}),
  };
  if (m.api.npm !== providerNpm || m.api.id !== m.id)
    out.provider = { npm: m.api.npm, ...(m.api.url ? { api: m.api.url } : {}) };
  return out;
}

const providers = {};
const skipped = [];
for (const m of models) {
  const facts = PROVIDERS[m.providerID];
  if (!facts) continue;
  const [name, env, npm] = facts;
  // Bedrock's "mantle" models answer on an OpenAI-style endpoint, not Converse; our Bedrock adapter speaks Converse.
  if (m.providerID === 'amazon-bedrock' && m.api.npm !== npm) {
    skipped.push(`${m.providerID}/${m.id}`);
    continue;
  }
  const p = (providers[m.providerID] ??= { id: m.providerID, name, env, npm, models: {} });
  if (m.api.url && !m.api.url.includes('${') && !p.api) p.api = m.api.url;
  p.models[m.id] = toDev(m, npm);
}

const file = path.join(__dirname, '..', 'src', 'modules', 'provider', 'models', 'models-opencode.json');
const data = {
  $source: {
    from: `opencode-ai@${version} \`opencode models --verbose\` (its bundled models.dev catalogue)`,
    takenAt: new Date().toISOString().slice(0, 10),
    note: `Providers not in models-snapshot.json; prices per 1M tokens in USD as OpenCode reports them. Skipped (not served by Converse): ${skipped.length} Bedrock mantle models.`,
  },
  providers,
};
fs.writeFileSync(file, JSON.stringify(data) + '\n');
const count = Object.values(providers).reduce((n, p) => n + Object.keys(p.models).length, 0);
console.log(`wrote ${file}: ${Object.keys(providers).length} providers, ${count} models (${skipped.length} skipped)`);

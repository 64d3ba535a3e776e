// Stand-alone fake LLM for benchmarks: `npx tsx test/fakes/llm/cli.ts --port 4010 --text "Done." --delay 5`
// (or `--tps 50` for a token rate). Startup through tsx takes a few seconds: wait for the "listening" line.
import { parseArgs } from 'node:util';
import { FakeLlm } from './fake-llm';
import { reply } from './reply';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      text: { type: 'string', default: 'Hello from the fake LLM.' },
      reasoning: { type: 'string' },
      delay: { type: 'string', default: '0' },
      tps: { type: 'string' },
      'input-tokens': { type: 'string' },
      'output-tokens': { type: 'string' },
      model: { type: 'string' },
    },
  });
  const builder = reply();
  if (values.reasoning) builder.reasoning(values.reasoning);
  builder.text(values.text!);
  if (values['input-tokens'] || values['output-tokens']) {
    builder.usage({ input: Number(values['input-tokens'] ?? 100), output: Number(values['output-tokens'] ?? 20) });
  }
  const llm = await FakeLlm.start({
    port: Number(values.port),
    host: values.host,
    chunkDelayMs: values.tps ? 1000 / Number(values.tps) : Number(values.delay),
    defaultReply: builder.stop(),
    model: values.model,
  });
  process.stdout.write(`fake LLM listening on ${llm.url} (OpenAI base ${llm.openaiBaseUrl})\n`);
  const shutdown = () => void llm.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  setInterval(() => process.stdout.write(`requests: ${llm.requests.length}\n`), 60_000).unref();
}

void main();

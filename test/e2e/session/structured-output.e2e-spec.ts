import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { isChat, systemText, toolResults } from '../agent/kit';

// Issue 19 item 3: `format: {type: "json_schema"}` — the answer comes through the StructuredOutput tool, is checked
// against the caller's schema off the event loop, stored as `structured`, and retried `retryCount` times.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, population: { type: 'integer', minimum: 0 } },
  required: ['city', 'population'],
  additionalProperties: false,
};

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function prompt(format: Record<string, unknown>) {
  const id = (await school.student.http.post('/session', { body: {} })).body.id as string;
  const before = llm.requests.length;
  const res = await school.student.http.post(`/session/${id}/message`, {
    body: { parts: [{ type: 'text', text: 'largest city of France?' }], format },
  });
  const sent = llm.requests.slice(before).filter(isChat) as { body: any }[];
  return { id, res, sent };
}

describe('format json_schema', () => {
  it('the validated answer is stored as `structured`; the step required the StructuredOutput tool', async () => {
    llm.enqueueWhen(isChat, reply().tool('StructuredOutput', { city: 'Paris', population: 2102650 }).stop());
    const { id, res, sent } = await prompt({ type: 'json_schema', schema });
    expect(res.status).toBe(200);
    expect(res.body.info).toMatchObject({ role: 'assistant', structured: { city: 'Paris', population: 2102650 } });
    expect(res.body.info.error).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(sent[0].body.tool_choice).toBe('required');
    const tool = sent[0].body.tools.find((t: any) => t.function.name === 'StructuredOutput');
    expect(tool.function.parameters).toMatchObject({ required: ['city', 'population'] });
    expect(systemText(sent[0].body)).toContain('You MUST use the StructuredOutput tool');
    const messages = (await school.student.http.get(`/session/${id}/message`)).body as any[];
    expect(messages.find((m) => m.info.role === 'assistant').info.structured).toEqual({
      city: 'Paris',
      population: 2102650,
    });
    expect(messages.find((m) => m.info.role === 'user').info.format).toEqual({
      type: 'json_schema',
      schema,
      retryCount: 2,
    });
  });

  it('an answer that does not match goes back to the model with the reason, and the retry is kept', async () => {
    llm.enqueueWhen(isChat, reply().tool('StructuredOutput', { city: 'Paris', population: 'many' }).stop());
    llm.enqueueWhen(isChat, reply().tool('StructuredOutput', { city: 'Paris', population: 2 }).stop());
    const { res, sent } = await prompt({ type: 'json_schema', schema });
    expect(res.status).toBe(200);
    expect(res.body.info.structured).toEqual({ city: 'Paris', population: 2 });
    expect(sent).toHaveLength(2);
    expect(toolResults(sent[1].body).join('\n')).toContain('does not match the required schema');
    expect(toolResults(sent[1].body).join('\n')).toContain('population must be integer');
  });

  it('past retryCount invalid answers the turn ends with StructuredOutputError', async () => {
    llm.enqueueWhen(isChat, reply().tool('StructuredOutput', { town: 'x' }).stop());
    const { res, sent } = await prompt({ type: 'json_schema', schema, retryCount: 0 });
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(1);
    expect(res.body.info.structured).toBeUndefined();
    expect(res.body.info.error).toMatchObject({ name: 'StructuredOutputError', data: { retries: 1 } });
  });

  it('a plain-text answer ends with StructuredOutputError (as OpenCode)', async () => {
    llm.enqueueWhen(isChat, reply().text('Paris, about two million').stop());
    const { res } = await prompt({ type: 'json_schema', schema });
    expect(res.body.info.error).toMatchObject({
      name: 'StructuredOutputError',
      data: { message: 'Model did not produce structured output', retries: 0 },
    });
  });

  it('`{type: "text"}` is an ordinary turn', async () => {
    llm.enqueueWhen(isChat, reply().text('Paris').stop());
    const { res, sent } = await prompt({ type: 'text' });
    expect(res.status).toBe(200);
    expect(res.body.info.error).toBeUndefined();
    expect(sent[0].body.tool_choice).not.toBe('required');
    expect((sent[0].body.tools ?? []).map((t: any) => t.function.name)).not.toContain('StructuredOutput');
  });
});

describe('format json_schema, from the attacker side', () => {
  it('a backtracking `pattern` fed a hostile answer fails the check in its worker, the server keeps answering', async () => {
    const evil = {
      type: 'object',
      properties: { s: { type: 'string', pattern: '^(a+)+$' } },
      required: ['s'],
    };
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('StructuredOutput', { s: 'a'.repeat(40) + 'b' })
        .stop(),
    );
    const { res } = await prompt({ type: 'json_schema', schema: evil, retryCount: 0 });
    expect(res.status).toBe(200);
    expect(res.body.info.error).toMatchObject({ name: 'StructuredOutputError' });
    const parts = (await school.student.http.get(`/session/${res.body.info.sessionID}/message`)).body
      .flatMap((m: any) => m.parts)
      .filter((p: any) => p.type === 'tool');
    expect(parts[0].state.error).toContain('took longer than');
    expect((await school.student.http.get('/global/health')).status).toBe(200);
  });

  it('schemas that are not an object schema, not a schema, too large, or bad retry counts are 400 and store nothing', async () => {
    const id = (await school.student.http.post('/session', { body: {} })).body.id as string;
    const bad: unknown[] = [
      { type: 'json_schema' },
      { type: 'json_schema', schema: { type: 'array' } },
      { type: 'json_schema', schema: { type: 'object', properties: 5 } },
      { type: 'json_schema', schema: { type: 'object', required: 'x' } },
      { type: 'json_schema', schema: { type: 'object', description: 'x'.repeat(70_000) } },
      { type: 'json_schema', schema, retryCount: 99 },
      { type: 'json_schema', schema, retryCount: -1 },
      { type: 'xml' },
      'json',
    ];
    for (const format of bad) {
      const res = await school.student.http.post(`/session/${id}/message`, {
        body: { parts: [{ type: 'text', text: 'x' }], format },
      });
      expect(res.status).toBe(400);
      expect(res.body.name).toBe('BadRequest');
    }
    expect((await school.student.http.get(`/session/${id}/message`)).body).toEqual([]);
  });
});

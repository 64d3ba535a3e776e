import { AsyncLocalStorage } from 'node:async_hooks';
import { ModulesContainer } from '@nestjs/core';
import { MessageController } from '../../../src/modules/session/message.controller';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';

// The path of a prompt, measured (docs/architecture.md, "The path of a prompt"): every method of every Nest provider
// and controller is wrapped, and one synchronous prompt records which class called which. A hop is a distinct
// caller → callee pair of classes on the request's call tree; a boundary is a hop between two modules (src/modules
// folders, core, infra). Upward calls (into a higher layer) may only reach a class bound to a port.
// PROMPT_PATH_REPORT=1 prints the hops.

const layers: string[][] = require('../../../.dependency-cruiser.cjs').layers;
const layerOf = (mod: string) =>
  mod === 'core' ? -2 : mod === 'infra' ? -1 : layers.findIndex((l) => l.includes(mod));

const SUB_MODULES: Record<string, string> = { Compaction: 'session', Shell: 'session', AgentTools: 'session' };
const folderOf = (nestModule: string) => {
  const name = nestModule.replace(/Module$/, '');
  return SUB_MODULES[name] ?? name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
};

const stack = new AsyncLocalStorage<string[]>();
const calls = new Map<string, number>();
const wrapped = new WeakSet<object>();

function wrap(proto: Record<string, unknown>, name: string): void {
  if (wrapped.has(proto)) return;
  wrapped.add(proto);
  for (const key of Object.getOwnPropertyNames(proto)) {
    const desc = Object.getOwnPropertyDescriptor(proto, key);
    if (key === 'constructor' || !desc || typeof desc.value !== 'function') continue;
    const original = desc.value as (...args: unknown[]) => unknown;
    const traced = function (this: unknown, ...args: unknown[]) {
      const current = stack.getStore();
      // Background work (jobs, timers, bus deliveries) has no request on its stack: not this prompt's path.
      if (!current && name !== 'MessageController') return original.apply(this, args);
      const caller = current?.at(-1);
      if (caller && caller !== name) calls.set(`${caller} → ${name}`, (calls.get(`${caller} → ${name}`) ?? 0) + 1);
      return stack.run([...(current ?? []), name], () => original.apply(this, args));
    };
    // Route, guard and parameter decorators keep their metadata on the function itself.
    for (const meta of Reflect.getMetadataKeys(original))
      Reflect.defineMetadata(meta, Reflect.getMetadata(meta, original), traced);
    Object.defineProperty(traced, 'name', { value: original.name });
    proto[key] = traced;
  }
}

let app: TestApp;
let llm: FakeLlm;
const moduleOfClass = new Map<string, string>();
const portBound = new Set<string>();

beforeAll(async () => {
  // The router keeps the controller's handler from boot on: it is wrapped before the app starts.
  wrap(MessageController.prototype as unknown as Record<string, unknown>, 'MessageController');
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Fine.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  for (const mod of app.running.app.get(ModulesContainer).values()) {
    const folder = folderOf(mod.metatype.name);
    for (const wrapper of [...mod.providers.values(), ...mod.controllers.values()]) {
      if (mod.metatype.name === 'PortsModule') {
        for (const dep of wrapper.inject ?? []) if (typeof dep === 'function') portBound.add(dep.name);
        continue;
      }
      // Our classes only: values and factory products (a Redis client, a pool) are libraries' objects.
      const instance = wrapper.instance as object | undefined;
      if (!instance || wrapper.isAlias || instance.constructor !== wrapper.metatype) continue;
      const cls = instance.constructor as { name: string; prototype: Record<string, unknown> };
      moduleOfClass.set(cls.name, folder);
      wrap(cls.prototype, cls.name);
    }
  }
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

it('one synchronous prompt: the hops, the module boundaries, and no upward call but through a port', async () => {
  const school = await createTenant(app.url, app.adminKey);
  const http = school.student.http;
  const id = (await http.post('/session', { body: { title: 'path' } })).body.id as string;
  calls.clear();
  const res = await http.post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text: 'hello' }] } });
  expect(res.status).toBe(200);

  const hops = [...calls.keys()].map((key) => {
    const [from, to] = key.split(' → ');
    return { key, from: moduleOfClass.get(from) ?? '?', to: moduleOfClass.get(to) ?? '?', callee: to };
  });
  const boundaries = hops.filter((h) => h.from !== h.to);
  const upward = boundaries.filter((h) => layerOf(h.to) > layerOf(h.from) && !portBound.has(h.callee));
  const modules = new Set(hops.flatMap((h) => [h.from, h.to]));
  if (process.env.PROMPT_PATH_REPORT)
    console.log(
      [
        `${hops.length} hops, ${boundaries.length} module boundaries, ${modules.size} modules`,
        ...hops.map((h) => `${h.from === h.to ? '  ' : '⇄ '}${h.key}  (${h.from} → ${h.to})`),
      ].join('\n'),
    );
  // The prompt reached the model through the one metered door, and its usage through the LLM_METER port.
  expect(calls.has('SessionLoopService → LlmTurnService')).toBe(true);
  expect(hops.some((h) => h.callee === 'BudgetMeterService')).toBe(true);
  expect(upward.map((h) => h.key)).toEqual([]);
});

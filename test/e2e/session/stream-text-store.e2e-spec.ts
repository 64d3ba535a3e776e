import type { Type } from '@nestjs/common';
import { MessageRepository } from '../../../src/modules/session/message.repository';
import { SessionRepository, type SessionRow } from '../../../src/modules/session/session.repository';
import { SessionWriter } from '../../../src/modules/session/session-writer';
import type { PartInfo } from '../../../src/modules/session/session.types';
import { PrismaService } from '../../../src/infra/database/prisma.service';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';

// The periodic store of a streaming answer's text (the step's flush clock, every 500 ms): a part stored before
// gets only the text added since, appended in its row; whatever does not match what this process stored last is
// written whole instead, so the row never holds text twice or out of order.

const BOOT_MS = 180_000;
jest.setTimeout(150_000);

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Plain answer.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
}, BOOT_MS);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
}, BOOT_MS);

const http = () => school.admin.http;
const get = <T>(type: Type<T>): T => app.running.app.get(type);

/** A session with one answered prompt: its assistant message is where the parts below go. */
async function answered(title: string): Promise<{ row: SessionRow; messageID: string }> {
  const id = (await http().post('/session', { body: { title } })).body.id as string;
  const res = await http().post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text: 'hello' }] } });
  expect(res.status).toBe(200);
  const row = await get(SessionRepository).find(school.id, id);
  return { row: row!, messageID: res.body.info.id as string };
}

const textPart = (row: SessionRow, messageID: string, id: string): PartInfo =>
  ({ id, sessionID: row.id, messageID, type: 'text', text: '', time: { start: 1 } }) as PartInfo;

async function storedText(row: SessionRow, messageID: string, partID: string): Promise<string | undefined> {
  const message = await get(MessageRepository).getMessage(school.id, row.id, messageID);
  const part = message?.parts.find((p) => p.id === partID) as { text?: string } | undefined;
  return part?.text;
}

describe("a streaming part's periodic store", () => {
  it('appends only the new text, multi-byte characters included, and the row ends as the part', async () => {
    const { row, messageID } = await answered('append');
    const writer = get(SessionWriter);
    const append = jest.spyOn(get(MessageRepository), 'appendPartText');
    const whole = jest.spyOn(get(MessageRepository), 'upsertParts');
    try {
      const part = textPart(row, messageID, `prt_${Date.now()}append`);
      (part as { text: string }).text = 'Grüße ';
      await writer.storeText(row, [part]);
      expect(whole).toHaveBeenCalledTimes(1);
      expect(append).not.toHaveBeenCalled();
      for (const piece of ['aus 🦀 Köln, ', '', 'naïve café — 終わり', '\n"quoted" \\ back\tslash']) {
        (part as { text: string }).text += piece;
        await writer.storeText(row, [part]);
      }
      // The first store wrote the row; each later one appended its piece alone (an empty one sends nothing).
      expect(whole).toHaveBeenCalledTimes(1);
      expect(append.mock.calls.map(([, items]) => items.map((i) => i.piece))).toEqual([
        ['aus 🦀 Köln, '],
        ['naïve café — 終わり'],
        ['\n"quoted" \\ back\tslash'],
      ]);
      expect(await storedText(row, messageID, part.id)).toBe((part as { text: string }).text);
    } finally {
      append.mockRestore();
      whole.mockRestore();
    }
  });

  it('writes the part whole when its row changed since this process stored it', async () => {
    const { row, messageID } = await answered('changed row');
    const writer = get(SessionWriter);
    const part = textPart(row, messageID, `prt_${Date.now()}changed`);
    (part as { text: string }).text = 'first ';
    await writer.storeText(row, [part]);
    // Someone else's write (another process, an edit): the row no longer holds what this process stored.
    await get(PrismaService).sql(
      `UPDATE "Part" SET data = jsonb_set(data, '{text}', to_jsonb('other text, longer than the first'::text)) WHERE id = $1`,
      [part.id],
    );
    (part as { text: string }).text += 'second';
    await writer.storeText(row, [part]);
    expect(await storedText(row, messageID, part.id)).toBe('first second');
  });

  it('does not append twice when a store was applied but its answer was lost', async () => {
    const { row, messageID } = await answered('lost answer');
    const writer = get(SessionWriter);
    const repo = get(MessageRepository);
    const part = textPart(row, messageID, `prt_${Date.now()}lost`);
    (part as { text: string }).text = 'one ';
    await writer.storeText(row, [part]);
    (part as { text: string }).text += 'two ';
    const real = repo.appendPartText.bind(repo);
    const lost = jest.spyOn(repo, 'appendPartText').mockImplementationOnce(async (...args) => {
      await real(...args);
      throw new Error('connection lost after the commit');
    });
    try {
      await expect(writer.storeText(row, [part])).rejects.toThrow('connection lost');
      // The step keeps the part dirty and stores it again on the next tick, with more text by then.
      (part as { text: string }).text += 'three';
      await writer.storeText(row, [part]);
      expect(await storedText(row, messageID, part.id)).toBe('one two three');
    } finally {
      lost.mockRestore();
    }
  });

  it("appends nothing to another school's part of the same id", async () => {
    const { row, messageID } = await answered('other school');
    const part = textPart(row, messageID, `prt_${Date.now()}school`);
    (part as { text: string }).text = 'mine';
    await get(SessionWriter).storeText(row, [part]);
    const other = await createTenant(app.url, app.adminKey);
    const appended = await get(MessageRepository).appendPartText(other.id, [
      { id: part.id, sessionId: row.id, bytes: 4, piece: ' and theirs' },
    ]);
    expect(appended.size).toBe(0);
    expect(await storedText(row, messageID, part.id)).toBe('mine');
  });

  it('a slow answer is stored by appends while it streams, and whole at its end', async () => {
    const id = (await http().post('/session', { body: { title: 'slow answer' } })).body.id as string;
    const words = Array.from({ length: 60 }, (_, i) => `wörd${i}`).join(' ');
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text(words).delay(30).stop());
    const append = jest.spyOn(get(MessageRepository), 'appendPartText');
    try {
      const res = await http().post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text: 'go' }] } });
      expect(res.status).toBe(200);
      const text = res.body.parts.find((p: { type: string }) => p.type === 'text');
      expect(text.text).toBe(words);
      // About 3.6 s of streaming: the flushes after the first appended to the row.
      const pieces = append.mock.calls.flatMap(([, items]) => items.filter((i) => i.sessionId === id));
      expect(pieces.length).toBeGreaterThan(1);
      expect(words.startsWith(pieces.map((i) => i.piece).join(''), words.indexOf(pieces[0].piece))).toBe(true);
      const stored = await http().get(`/session/${id}/message/${res.body.info.id}`);
      expect(stored.body.parts.find((p: { type: string }) => p.type === 'text').text).toBe(words);
    } finally {
      append.mockRestore();
    }
  });
});

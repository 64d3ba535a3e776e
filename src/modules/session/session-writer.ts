import { Injectable } from '@nestjs/common';
import { Buffer } from 'node:buffer';
import { EventType } from '../event/event.types';
import { MessageRepository } from './message.repository';
import type { SessionRow } from './session.repository';
import { SessionService } from './session.service';
import type { MessageInfo, PartInfo } from './session.types';

/**
 * The one writer of messages and parts: it stores, then publishes the event, so a client that reacts to an
 * event always finds what it names. Everything that adds to a transcript writes through it.
 */
/** Streaming text of one school's sessions waiting for the end of this turn, and the callers to answer. */
interface TextBatch {
  parts: PartInfo[];
  callers: { parts: PartInfo[]; resolve(): void; reject(err: unknown): void }[];
}

/** What the last periodic store wrote of a streaming part's text: its length in UTF-16 units and in UTF-8 bytes. */
interface StoredText {
  units: number;
  bytes: number;
}

@Injectable()
export class SessionWriter {
  private readonly textBatches = new Map<string, TextBatch>();
  /** By part object: a streaming part's text only grows, so its next store sends only what was added since. */
  private readonly storedText = new WeakMap<PartInfo, StoredText>();

  constructor(
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
  ) {}

  async message(row: SessionRow, info: MessageInfo): Promise<void> {
    await this.messages.upsertMessage(row.tenantId, info);
    this.publishMessage(row, info);
  }

  /** `alsoStore`: parts already published (announced) whose rows go in the same statement. */
  async part(row: SessionRow, part: PartInfo, alsoStore: PartInfo[] = []): Promise<void> {
    await this.messages.upsertParts(row.tenantId, [...alsoStore, part]);
    this.publishPart(row, part);
  }

  /**
   * The end of a model step: the message and its closing parts in one statement, then the parts' events and the
   * message's (the order a client saw when they were stored one by one). `alsoStore` rows are not published again.
   * `releaseAs`: the run's lease is released in the same statement (the loop's last write); resolves with whether it was.
   */
  async stepEnd(
    row: SessionRow,
    info: MessageInfo,
    parts: PartInfo[],
    alsoStore: PartInfo[] = [],
    releaseAs?: string,
  ): Promise<boolean> {
    const released = await this.messages.upsertMessageWithParts(
      row.tenantId,
      info,
      [...alsoStore, ...parts],
      releaseAs,
    );
    for (const part of parts) this.publishPart(row, part);
    this.publishMessage(row, info);
    return released;
  }

  /** A message and its parts: all stored (the parts in one statement), then all published. */
  async turn(row: SessionRow, info: MessageInfo, parts: PartInfo[]): Promise<void> {
    await this.messages.upsertMessage(row.tenantId, info);
    await this.messages.upsertParts(row.tenantId, parts);
    this.publishMessage(row, info);
    for (const part of parts) this.publishPart(row, part);
  }

  /**
   * Stores the text of parts still streaming, without an event (clients follow them through the deltas). The
   * periodic writes of every session streaming in this process come in the same turn (one clock): they are sent as
   * one statement per school at the end of it. If that statement fails, each caller's parts are tried on their own,
   * so one bad row does not keep the other sessions' text from being stored. A part's text only grows between
   * these calls (the step appends its deltas); any other change to it is stored through `part` or `stepEnd`.
   */
  storeText(row: SessionRow, parts: PartInfo[]): Promise<void> {
    if (!parts.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let batch = this.textBatches.get(row.tenantId);
      if (!batch) {
        this.textBatches.set(row.tenantId, (batch = { parts: [], callers: [] }));
        setImmediate(() => void this.writeText(row.tenantId));
      }
      batch.parts.push(...parts);
      batch.callers.push({ parts, resolve, reject });
    });
  }

  private async writeText(tenantId: string): Promise<void> {
    const batch = this.textBatches.get(tenantId);
    this.textBatches.delete(tenantId);
    if (!batch) return;
    try {
      // In id order: two batches in flight at once lock their rows in the same order.
      await this.storeParts(
        tenantId,
        batch.parts.sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      for (const c of batch.callers) c.resolve();
    } catch (err) {
      if (batch.callers.length === 1) return batch.callers[0].reject(err);
      for (const c of batch.callers) await this.storeParts(tenantId, c.parts).then(c.resolve, c.reject);
    }
  }

  /**
   * A streaming part stored before gets only the text added since its last store, appended in the row (a reply's
   * whole text rewritten twice a second cost Postgres more than anything else the streams did; bench/README,
   * session 15). The append holds only where the row's text is as long as what was stored: a part changed
   * otherwise meanwhile, or a store that was applied although its answer was lost, gets a whole write instead.
   */
  private async storeParts(tenantId: string, parts: PartInfo[]): Promise<void> {
    const appends: { part: PartInfo; piece: string; was: StoredText }[] = [];
    const whole: PartInfo[] = [];
    for (const part of parts) {
      const was = this.storedText.get(part);
      const text = textOf(part);
      if (was && text !== undefined && text.length >= was.units)
        appends.push({ part, piece: text.slice(was.units), was });
      else whole.push(part);
    }
    const stored: [PartInfo, StoredText][] = [];
    const grown = appends.filter((a) => a.piece);
    if (grown.length) {
      const appended = await this.messages.appendPartText(
        tenantId,
        grown.map((a) => ({ id: a.part.id, sessionId: a.part.sessionID, bytes: a.was.bytes, piece: a.piece })),
      );
      for (const a of grown) {
        if (!appended.has(a.part.id)) whole.push(a.part);
        else stored.push([a.part, { units: a.was.units + a.piece.length, bytes: a.was.bytes + byteLength(a.piece) }]);
      }
    }
    if (whole.length) {
      // In id order, as the batch came (the parts whose append did not hold joined at the end).
      whole.sort((a, b) => (a.id < b.id ? -1 : 1));
      const texts = whole.map(textOf);
      await this.messages.upsertParts(tenantId, whole);
      whole.forEach((p, i) => {
        const text = texts[i];
        if (text === undefined) this.storedText.delete(p);
        else this.storedText.set(p, { units: text.length, bytes: byteLength(text) });
      });
    }
    for (const [part, text] of stored) this.storedText.set(part, text);
  }

  /**
   * Deletes a part, then publishes its removal. A part that was announced but never stored (an empty streamed part)
   * is removed for the clients all the same; `onlyIfStored` publishes only when a row was deleted.
   */
  async removePart(
    row: SessionRow,
    part: Pick<PartInfo, 'id' | 'messageID'>,
    opts: { onlyIfStored?: boolean } = {},
  ): Promise<boolean> {
    const deleted = await this.messages.deletePart(row.tenantId, part.messageID, part.id);
    if (deleted || !opts.onlyIfStored)
      this.sessions.publish(row, EventType.PartRemoved, {
        sessionID: row.id,
        messageID: part.messageID,
        partID: part.id,
      });
    return deleted;
  }

  /** Deletes a message (its parts go with it), then publishes its removal; false when there was none. */
  async removeMessage(row: SessionRow, messageID: string): Promise<boolean> {
    const deleted = await this.messages.deleteMessage(row.tenantId, row.id, messageID);
    if (deleted) this.sessions.publish(row, EventType.MessageRemoved, { sessionID: row.id, messageID });
    return deleted;
  }

  /** For rows another statement already stored (a prompt stored with its parts in one transaction, a fork's copy). */
  publishMessage(row: SessionRow, info: MessageInfo): void {
    this.sessions.publish(row, EventType.MessageUpdated, { sessionID: row.id, info });
  }

  /** Also the state of a part that streams and is stored later (an empty text part, live tool metadata). */
  publishPart(row: SessionRow, part: PartInfo): void {
    this.sessions.publish(row, EventType.PartUpdated, { sessionID: row.id, part, time: Date.now() });
  }

  /**
   * A streamed piece of a part's text: an event only, the part itself is stored at its boundaries. An answer's first
   * piece gives a promise (SessionService.publishDelta).
   */
  delta(row: SessionRow, part: Pick<PartInfo, 'id' | 'messageID'>, delta: string): Promise<void> | undefined {
    return this.sessions.publishDelta(row, {
      sessionID: row.id,
      messageID: part.messageID,
      partID: part.id,
      field: 'text',
      delta,
    });
  }
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/** A text or reasoning part's text (undefined for the other kinds of part). */
const textOf = (part: PartInfo): string | undefined =>
  'text' in part && typeof part.text === 'string' ? part.text : undefined;

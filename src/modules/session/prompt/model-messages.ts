import type { ContentPart, ModelMessage, ToolResultPart } from '../../provider/provider.types';
import type { MessageWithParts, PartInfo } from '../session.types';

const CLEARED = '[Old tool result content cleared]';
const INTERRUPTED = '[Tool execution was interrupted]';

function decodeDataText(url: string): string | undefined {
  const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url);
  if (!m) return undefined;
  return m[2] ? Buffer.from(m[3], 'base64').toString('utf8') : decodeURIComponent(m[3]);
}

function userContent(parts: PartInfo[]): Extract<ModelMessage, { role: 'user' }>['content'] {
  const out: Extract<ModelMessage, { role: 'user' }>['content'] = [];
  for (const p of parts) {
    if (p.type === 'text' && !p.ignored && p.text) out.push({ type: 'text', text: p.text });
    else if (p.type === 'file') {
      if (p.mime.startsWith('text/') && p.url.startsWith('data:')) {
        const text = decodeDataText(p.url);
        if (text !== undefined) out.push({ type: 'text', text: `${p.filename ? `File ${p.filename}:\n` : ''}${text}` });
      } else if (p.url.startsWith('data:') || p.url.startsWith('http'))
        out.push({ type: 'file', mime: p.mime, url: p.url, filename: p.filename });
    } else if (p.type === 'compaction') out.push({ type: 'text', text: 'What did we do so far?' });
    else if (p.type === 'subtask')
      out.push({ type: 'text', text: `The following tool was executed by the user: task (${p.description})` });
  }
  return out;
}

/**
 * Stored history → provider messages (OpenCode's toModelMessages): errored assistant turns are skipped
 * (aborted ones kept when they produced something), compacted tool outputs are cleared, unfinished tools
 * become "interrupted" results, reasoning from another model is sent as text.
 */
export function toModelMessages(
  history: MessageWithParts[],
  current: { providerID: string; modelID: string },
): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const { info, parts } of history) {
    if (info.role === 'user') {
      const content = userContent(parts);
      if (content.length) out.push({ role: 'user', content });
      continue;
    }
    if (info.error && info.error.name !== 'MessageAbortedError') continue;
    const sameModel = info.providerID === current.providerID && info.modelID === current.modelID;
    const content: ContentPart[] = [];
    const results: ToolResultPart[] = [];
    for (const p of parts) {
      if (p.type === 'text' && p.text && !p.ignored) content.push({ type: 'text', text: p.text });
      else if (p.type === 'reasoning' && p.text) {
        content.push(
          sameModel
            ? { type: 'reasoning', text: p.text, providerMetadata: p.metadata }
            : { type: 'text', text: p.text },
        );
      } else if (p.type === 'tool') {
        const input = p.state.input ?? {};
        content.push({
          type: 'tool-call',
          id: p.callID,
          name: p.tool,
          input,
          ...(p.metadata ? { providerMetadata: p.metadata } : {}),
        });
        const s = p.state;
        if (s.status === 'completed') {
          const attachments = s.time.compacted
            ? undefined
            : s.attachments?.flatMap((a) =>
                a.type === 'file' ? [{ mime: a.mime, url: a.url, filename: a.filename }] : [],
              );
          results.push({
            type: 'tool-result',
            id: p.callID,
            name: p.tool,
            output: s.time.compacted ? CLEARED : s.output,
            ...(attachments?.length ? { attachments } : {}),
          });
        } else if (s.status === 'error')
          results.push({ type: 'tool-result', id: p.callID, name: p.tool, output: s.error, isError: true });
        else results.push({ type: 'tool-result', id: p.callID, name: p.tool, output: INTERRUPTED, isError: true });
      }
    }
    if (!content.length) continue;
    out.push({ role: 'assistant', content });
    if (results.length) out.push({ role: 'tool', content: results });
  }
  return out;
}

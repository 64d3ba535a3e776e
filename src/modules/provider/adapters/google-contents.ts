import type { Content, Part } from '@google/genai';
import type { ContentPart, ModelMessage, ToolResultPart } from '../provider.types';
import { isTextMime, parseDataUrl, textFromDataUrl } from './stream-blocks';

// Our messages → Gemini `contents`. Thought signatures ride in providerMetadata.google and must go back
// on the same parts (Gemini 3 rejects function calls replayed without them).

/** Ids we invent for calls Gemini sent without one; they are not echoed back to the API. */
export const GENERATED_CALL_PREFIX = 'gcall_';

function callId(id: string): { id?: string } {
  return id.startsWith(GENERATED_CALL_PREFIX) ? {} : { id };
}

interface GoogleMeta {
  thoughtSignature?: string;
}

function signatureOf(part: { providerMetadata?: Record<string, unknown> }): { thoughtSignature?: string } {
  const sig = ((part.providerMetadata?.google ?? part.providerMetadata?.vertex) as GoogleMeta | undefined)
    ?.thoughtSignature;
  return sig ? { thoughtSignature: sig } : {};
}

function filePart(file: { mime: string; url: string; filename?: string }): Part {
  const data = file.url.startsWith('data:') ? parseDataUrl(file.url) : undefined;
  if (data && isTextMime(file.mime)) return { text: textFromDataUrl(file.url) ?? '' };
  if (data) return { inlineData: { mimeType: file.mime, data: data.base64 } };
  return { fileData: { mimeType: file.mime, fileUri: file.url } };
}

function modelParts(content: ContentPart[]): Part[] {
  const out: Part[] = [];
  for (const part of content) {
    if (part.type === 'text' && part.text !== '') out.push({ text: part.text, ...signatureOf(part) });
    if (part.type === 'reasoning' && (part.text !== '' || signatureOf(part).thoughtSignature))
      out.push({ text: part.text, thought: true, ...signatureOf(part) });
    if (part.type === 'tool-call')
      out.push({
        functionCall: { ...callId(part.id), name: part.name, args: (part.input ?? {}) as Record<string, unknown> },
        ...signatureOf(part),
      });
    if (part.type === 'file') out.push(filePart(part));
  }
  return out;
}

function toolParts(content: ToolResultPart[]): Part[] {
  return content.flatMap((r): Part[] => [
    {
      functionResponse: {
        ...callId(r.id),
        name: r.name,
        response: r.isError ? { error: r.output } : { output: r.output },
      },
    },
    ...(r.attachments ?? []).map(filePart),
  ]);
}

export function toGeminiContents(messages: ModelMessage[]): Content[] {
  const out: Content[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'model' : 'user';
    const parts =
      message.role === 'assistant'
        ? modelParts(message.content)
        : message.role === 'tool'
          ? toolParts(message.content)
          : message.content.flatMap((p) =>
              p.type === 'text' ? (p.text !== '' ? [{ text: p.text }] : []) : [filePart(p)],
            );
    if (parts.length === 0) continue;
    const last = out[out.length - 1];
    if (last && last.role === role) last.parts!.push(...parts);
    else out.push({ role, parts });
  }
  return out;
}

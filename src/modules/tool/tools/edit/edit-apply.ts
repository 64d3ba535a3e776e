import { ToolError } from '../../tool.types';
import { REPLACERS } from './replacers';

export const NOT_FOUND_MESSAGE =
  'Could not find oldString in the file. It must match the file text, including whitespace, indentation and line breaks. Read the file again and copy the exact lines you want to change.';
export const MULTIPLE_MATCHES_MESSAGE =
  'Found multiple matches for oldString. Include more of the surrounding lines so it identifies one place, or set replaceAll to change every occurrence.';

/** Replaces `oldString` in LF-normalised content using the first replacer that yields a usable match. */
export function replace(content: string, oldString: string, newString: string, replaceAll = false): string {
  if (oldString === newString) throw new ToolError('No changes to apply: oldString and newString are identical.');
  let found = false;
  for (const replacer of REPLACERS) {
    for (const candidate of replacer(content, oldString)) {
      if (!candidate) continue;
      const first = content.indexOf(candidate);
      if (first === -1) continue;
      found = true;
      if (replaceAll) return content.split(candidate).join(newString);
      if (content.lastIndexOf(candidate) !== first) continue;
      return content.slice(0, first) + newString + content.slice(first + candidate.length);
    }
  }
  throw new ToolError(found ? MULTIPLE_MATCHES_MESSAGE : NOT_FOUND_MESSAGE);
}

export interface EditSpec {
  oldString: string;
  newString: string;
  replaceAll?: boolean;
}

interface TextForm {
  bom: boolean;
  crlf: boolean;
  body: string;
}

/** Splits off what must survive an edit unchanged: the BOM and the file's line-break style. */
export function textForm(raw: string): TextForm {
  const bom = raw.startsWith('\uFEFF');
  const text = bom ? raw.slice(1) : raw;
  const firstBreak = text.indexOf('\n');
  const crlf = firstBreak > 0 && text[firstBreak - 1] === '\r';
  return { bom, crlf, body: crlf ? text.replace(/\r\n/g, '\n') : text };
}

function restore(form: Pick<TextForm, 'bom' | 'crlf'>, body: string): string {
  const text = form.crlf ? body.replace(/\r?\n/g, '\r\n') : body;
  return (form.bom ? '\uFEFF' : '') + text;
}

const toLf = (s: string) => s.replace(/\r\n/g, '\n');

/**
 * Applies edits in order to a file's text (`undefined` when the file does not exist yet). An empty
 * oldString replaces the whole content, which is how files are created through edit.
 */
export function applyEdits(original: string | undefined, edits: EditSpec[]): string {
  const form = textForm(original ?? '');
  let body = form.body;
  let exists = original !== undefined;
  edits.forEach((edit, i) => {
    try {
      if (edit.oldString === '') {
        body = toLf(edit.newString).replace(/^\uFEFF/, '');
        exists = true;
        return;
      }
      if (!exists) throw new ToolError('File not found. To create a file, use an empty oldString (or the write tool).');
      body = replace(body, toLf(edit.oldString), toLf(edit.newString), edit.replaceAll ?? false);
    } catch (err) {
      // With several edits the model needs to know which one to fix.
      if (edits.length > 1 && err instanceof ToolError)
        throw new ToolError(`Edit ${i + 1} of ${edits.length} failed: ${err.message}`);
      throw err;
    }
  });
  return restore(form, body);
}

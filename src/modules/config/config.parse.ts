// Reading a config document: JSONC text to a value, and a value to a typed Config with issues a person can act on.
import { parse as parseJsoncText, ParseErrorCode, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { ConfigInvalidError, ConfigJsonError, type ConfigIssue } from './config.errors';
import { configSchema, type Config } from './config.schema';

type RawIssue = z.core.$ZodIssue;

function describePath(path: PropertyKey[]): string {
  return path.map(String).join('.');
}

// A union failure nests one issue list per branch. The branch that got furthest into the value (deeper
// path, or the right type with a wrong value) is the one the author meant, so report its issues instead of
// zod's generic "Invalid input".
function branchScore(list: RawIssue[]): number {
  return Math.max(...list.map((i) => i.path.length * 2 + (i.code === 'invalid_type' ? 0 : 1)));
}

function flatten(issue: RawIssue, prefix: PropertyKey[]): ConfigIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const best = issue.errors.reduce((a, b) => (branchScore(b) > branchScore(a) ? b : a));
    if (branchScore(best) > 0) return best.flatMap((i) => flatten(i, path));
    const expected = issue.errors.flat().flatMap((i) => (i.code === 'invalid_type' ? [i.expected] : []));
    if (expected.length)
      return [{ path: describePath(path), message: `Invalid input: expected ${[...new Set(expected)].join(' or ')}` }];
  }
  return [{ path: describePath(path), message: issue.message }];
}

export function configIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((i) => flatten(i, []));
}

/** Validates one config document; `source` names it in errors (a file path, `OPENCODE_CONFIG_CONTENT`, ...). */
export function parseConfig(doc: unknown, source: string): Config {
  const result = configSchema.safeParse(doc);
  if (!result.success) throw new ConfigInvalidError(source, configIssues(result.error));
  return result.data;
}

/** Parses JSON with comments and trailing commas (jsonc-parser, the parser of VS Code's settings files). */
export function parseJsonc(text: string, source: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  const errors: ParseError[] = [];
  const doc: unknown = parseJsoncText(body, errors, {
    allowTrailingComma: true,
    disallowComments: false,
    allowEmptyContent: true,
  });
  const [first] = errors;
  if (first) throw new ConfigJsonError(source, jsoncReason(first.error), ...lineColumn(body, first.offset));
  return doc === undefined ? {} : doc;
}

function jsoncReason(code: ParseErrorCode): string {
  if (code === ParseErrorCode.UnexpectedEndOfComment) return 'unterminated block comment';
  // "InvalidSymbol" → "invalid symbol"
  return printParseErrorCode(code)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

function lineColumn(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split('\n');
  return [before.length, before[before.length - 1].length + 1];
}

import http from 'node:http';
import fc from 'fast-check';
import type { DtoShape, FieldShape, Operation } from './operations';

// Generators of invalid input for one operation, and a raw HTTP sender: node:http rather than fetch, so `../`,
// `%00` and duplicate query keys reach the server exactly as generated (fetch's URL parser would normalize them).

export type Who = 'admin' | 'student' | 'none' | 'garbage';

export interface FuzzInput {
  who: Who;
  /** Already-encoded path (with the hostile segments in place). */
  path: string;
  /** Already-encoded query string without '?', or ''. */
  query: string;
  headers: Record<string, string>;
  /** Raw body text, or undefined for none. */
  body?: string;
  /** What kind of badness this input carries, for the counts and the failure report. */
  kind: string;
}

export interface Hostile {
  /** Real ids of another tenant: a tenant admin's request for them must be a 404 (or 403), never a change. */
  foreignIds: string[];
}

const LONG = 'a'.repeat(5000);
const HUGE = 'x'.repeat(300_000);

const enc = (s: string) => encodeURIComponent(s);

/** Fixed hostile path segments (already encoded): every one is also swept over every path parameter. */
export const HOSTILE_SEGMENTS = [
  ...[
    '..',
    '.',
    '%2e%2e',
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e%2f%2e%2e',
    '%00',
    'x%00y',
    '%ff',
    '%E0%A4%A',
    '%C0%80',
    '%',
    'null',
    'undefined',
    '0',
    '-1',
    'NaN',
    '%20',
    '~',
    '*',
    '%7B%7D',
  ],
  ...['ses_', 'msg_', 'prt_', 'usr_', 'prj_', 'ses_%00', 'prj_x%00'],
  ...[
    '🦄',
    '..\\..\\windows',
    'ses_' + LONG,
    'a/b',
    "' OR 1=1 --",
    '$(id)',
    '[object Object]',
    '{"$gt":""}',
    'ünï',
    '\u202e',
  ].map(enc),
];

/** Path segments: malformed ids, traversal, unicode, very long, other tenants' real ids. */
function pathSegment(h: Hostile): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...h.foreignIds),
    fc.constantFrom(...HOSTILE_SEGMENTS),
    fc.string({ maxLength: 40 }).map(enc),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map(enc),
    fc
      .string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF_-'), minLength: 1, maxLength: 64 })
      .map((s) => `ses_${s}`),
  );
}

/** A query value that is wrong in some way: wrong type, out of range, hostile path, very long. */
const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc',
    '/etc/passwd',
    'C:\\Windows',
    '-1',
    '0',
    '1e309',
    'NaN',
    'Infinity',
    '99999999999999999999',
    '1.5',
    'true',
    'yes',
    'null',
    '[]',
    '{}',
    '%00',
    '\u0000',
    '🦄',
    LONG,
  ),
  fc.string({ maxLength: 30 }),
  fc.integer().map(String),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
);

function encodeQuery(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function queryArb(op: Operation): fc.Arbitrary<string> {
  const names = [...op.queryParams, 'directory'];
  return fc.oneof(
    fc.constant(''),
    fc.array(fc.tuple(fc.constantFrom(...names), queryValue), { minLength: 1, maxLength: 4 }).map(encodeQuery),
    // The same key twice arrives as an array, which string DTO fields must refuse, not crash on.
    fc.tuple(fc.constantFrom(...names), queryValue, queryValue).map(([k, a, b]) =>
      encodeQuery([
        [k, a],
        [k, b],
      ]),
    ),
    fc.constantFrom(...names).map((k) => `${encodeURIComponent(k)}[a]=1&${encodeURIComponent(k)}[b][c]=2`),
    fc.constantFrom('%', '%zz=1', 'a=%ff', '&&&=', '__proto__[x]=1', 'constructor[prototype][x]=1'),
  );
}

/** A plausible valid value for a field, so a single bad field is what the route must refuse. */
function validValue(f: FieldShape, depth = 0): unknown {
  const rule = (n: string) => f.rules.find((r) => r.name === n);
  const one = (): unknown => {
    if (f.nested && depth < 3) return validObject(f.nested, depth + 1);
    const isIn = rule('isIn');
    if (isIn && Array.isArray(isIn.constraints[0])) return isIn.constraints[0][0];
    const isEnum = rule('isEnum');
    if (isEnum && isEnum.constraints[0]) return Object.values(isEnum.constraints[0] as object)[0];
    if (rule('isBoolean')) return true;
    if (rule('isInt') || rule('isNumber') || rule('isPositive'))
      return Math.max(1, Number(rule('min')?.constraints[0] ?? 1));
    if (rule('isEmail')) return 'someone@example.com';
    if (rule('isUrl')) return 'https://example.com/x';
    if (rule('isDateString') || rule('isIso8601')) return new Date(Date.now() + 86_400_000).toISOString();
    if (rule('isObject')) return {};
    const len = rule('length');
    return 'v'.repeat(Math.max(1, Number(len?.constraints[0] ?? 1)));
  };
  return f.isArray ? [one()] : one();
}

export function validObject(shape: DtoShape, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of shape.fields) if (!f.optional) out[f.name] = validValue(f, depth);
  return out;
}

/** Values of every JSON type and a few hostile ones; most are wrong for any given field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    '',
    ' ',
    '..',
    '../../etc/passwd',
    [],
    [null],
    {},
    { $gt: '' },
    { __proto__: { polluted: 1 } },
    LONG,
    '\u0000',
    '🦄'.repeat(100),
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 50 }),
  fc.integer(),
  fc.double({ noNaN: true }),
);

function bodyArb(op: Operation): fc.Arbitrary<{ kind: string; body: string; contentType?: string }> {
  const json = (kind: string) => (v: unknown) => ({ kind, body: JSON.stringify(v) });
  const arbs: fc.Arbitrary<{ kind: string; body: string; contentType?: string }>[] = [
    fc.jsonValue({ maxDepth: 4 }).map(json('body:random-json')),
    fc
      .constantFrom(
        '{',
        '{"a":',
        '[1,2',
        'nul',
        '{"a":1}}',
        "{'a':1}",
        '{"a":undefined}',
        '\u0000',
        '',
        ' ',
        'NaN',
        '{"a":1,}',
        '\ufeff{}',
        '{"__proto__":{"polluted":true}}',
      )
      .map((body) => ({ kind: 'body:malformed-json', body })),
    fc
      .constantFrom(
        '['.repeat(3000) + ']'.repeat(3000),
        '{"a":'.repeat(65) + '1' + '}'.repeat(65),
        '{"a":'.repeat(64) + '1' + '}'.repeat(64),
        JSON.stringify({ a: HUGE }),
        JSON.stringify(Array.from({ length: 20_000 }, (_, i) => i)),
      )
      .map((body) => ({ kind: 'body:oversized', body })),
    fc
      .tuple(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom(
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=zz',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
          'application/json; charset=bogus',
          'image/png',
          ';;;',
          'application/vnd.api+json',
        ),
      )
      .map(([v, ct]) => ({
        kind: 'body:bad-content-type',
        body: ct === 'application/x-www-form-urlencoded' ? 'a=1&b[c]=2&%ff=1' : JSON.stringify(v),
        contentType: ct,
      })),
  ];
  const shape = op.body;
  if (shape?.fields.length) {
    const names = shape.fields.map((f) => f.name);
    // Every known field present or not, each with a value of any type: wrong types and missing fields at once.
    arbs.push(
      fc.dictionary(fc.constantFrom(...names), wrongValue, { maxKeys: names.length }).map(json('body:wrong-types')),
    );
    // A plausible body with exactly one field wrong, removed, or oversized.
    arbs.push(
      fc
        .tuple(fc.constantFrom(...shape.fields), wrongValue, fc.constantFrom('wrong', 'missing', 'huge', 'nul'))
        .map(([f, v, how]) => {
          const obj: Record<string, unknown> = { ...validObject(shape), [f.name]: validValue(f) };
          if (how === 'wrong') obj[f.name] = v;
          else if (how === 'missing') delete obj[f.name];
          // Postgres refuses NUL in text and in jsonb: a string with one must be a 400, not a database error.
          else if (how === 'nul')
            obj[f.name] = typeof obj[f.name] === 'string' ? `a\u0000${obj[f.name] as string}` : { text: 'a\u0000b' };
          else
            obj[f.name] = f.isArray ? Array.from({ length: 2000 }, () => validValue({ ...f, isArray: false })) : HUGE;
          return { kind: `body:one-field-${how}`, body: JSON.stringify(obj) };
        }),
    );
  }
  return fc.oneof(...arbs);
}

const oddHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  fc
    .constantFrom(
      '..',
      '../../../../etc',
      '/etc/passwd',
      '/',
      'C:\\Windows\\System32',
      '%2e%2e%2f',
      encodeURIComponent('🦄/../x'),
      LONG,
      ' ',
      'a\tb',
      'ünïcödé',
    )
    .map((d) => ({ 'x-opencode-directory': d })),
  fc
    .constantFrom('text/plain', 'application/xml', 'garbage', ';', 'application/json; charset=utf-7')
    .map((ct) => ({ 'content-type': ct })),
  fc
    .constantFrom('-1', 'abc', '99999999999999999999')
    .map((v) => ({ 'last-event-id': v, 'x-request-id': v.repeat(50) })),
  fc.constantFrom('gzip', 'br', 'identity;q=x').map((v) => ({ 'content-encoding': v })),
);

export function inputArb(op: Operation, h: Hostile): fc.Arbitrary<FuzzInput> {
  const segments = fc.array(pathSegment(h), { minLength: op.pathParams.length, maxLength: op.pathParams.length });
  const bodyOrNone =
    op.hasBody || ['POST', 'PUT', 'PATCH'].includes(op.method)
      ? fc.option(bodyArb(op), { freq: 5 })
      : fc.constant(null);
  const who = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Who>('admin') },
    fc.constant<Who>('student'),
    fc.constant<Who>('none'),
    fc.constant<Who>('garbage'),
  );
  return fc
    .record({ who, segments, query: queryArb(op), headers: oddHeaders, body: bodyOrNone })
    .map(({ who, segments, query, headers, body }) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => segments[i++] || '%20');
      const hdrs: Record<string, string> = { ...headers };
      if (body?.contentType) hdrs['content-type'] = body.contentType;
      else if (body && !hdrs['content-type']) hdrs['content-type'] = 'application/json';
      const kinds = [
        body?.kind,
        op.pathParams.length ? 'path' : undefined,
        query ? 'query' : undefined,
        Object.keys(headers).length ? 'headers' : undefined,
        who !== 'admin' ? `auth:${who}` : undefined,
      ];
      return { who, path, query, headers: hdrs, body: body?.body, kind: kinds.filter(Boolean).join('+') || 'plain' };
    });
}

export interface RawResult {
  status: number;
  contentType: string;
  text: string;
}

/** Sends one input as is; the answer is read for at most `timeoutMs` (status 0 on timeout or socket error). */
export function send(
  baseUrl: string,
  method: string,
  input: FuzzInput,
  authorization: string | undefined,
  timeoutMs: number,
): Promise<RawResult> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...input.headers };
    if (authorization) headers.authorization = authorization;
    if (input.body !== undefined) headers['content-length'] = String(Buffer.byteLength(input.body));
    let done = false;
    const finish = (r: RawResult) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: url.hostname,
        port: url.port,
        method,
        path: input.path + (input.query ? `?${input.query}` : ''),
        headers,
        agent: false,
      });
    } catch (err) {
      // Node itself refused to send it (e.g. a header value it cannot encode): not the server's answer.
      return finish({ status: -1, contentType: '', text: String(err) });
    }
    const timer = setTimeout(() => {
      finish({ status: 0, contentType: '', text: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        finish({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      finish({ status: 0, contentType: '', text: `socket error: ${err.message}` });
    });
    req.end(input.body);
  });
}

// A prompt's `format.schema` is the caller's JSON Schema, and the answer it checks is the model's (steered by the
// same caller). Compiling and validating run in a worker thread with a time budget: a schema's `pattern` is a
// regular expression that backtracks, and must not stop the event loop (docs/security.md).
import { runScriptWorker } from '../../../core/process/script-worker';

/** Largest schema accepted, as JSON text. */
export const MAX_SCHEMA_CHARS = 64 * 1024;
export const SCHEMA_CHECK_TIMEOUT_MS = 2_000;

export type SchemaCheck = { ok: true } | { ok: false; message: string };

// Plain JavaScript evaluated as the worker's script (the same from dist/ and under Jest); Ajv's path comes in.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Ajv = require(workerData.ajv).default;
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false });
ready();
const { $schema, ...schema } = workerData.schema;
let result;
try {
  const validate = ajv.compile(schema);
  if (!workerData.hasValue) result = { ok: true };
  else if (validate(workerData.value)) result = { ok: true };
  else result = { ok: false, message: ajv.errorsText(validate.errors, { dataVar: 'output' }).slice(0, 2000) };
} catch (error) {
  result = { ok: false, message: 'invalid JSON Schema: ' + String(error && error.message).slice(0, 500) };
}
parentPort.postMessage(result);
`;

let ajvPath: string | undefined;

function run(schema: Record<string, unknown>, value: { value: unknown } | undefined): Promise<SchemaCheck> {
  ajvPath ??= require.resolve('ajv/dist/2020');
  return runScriptWorker<SchemaCheck>(
    WORKER_SOURCE,
    { ajv: ajvPath, schema, hasValue: !!value, value: value?.value },
    {
      timeoutMs: SCHEMA_CHECK_TIMEOUT_MS,
      failure: (reason, message) =>
        new Error(
          reason === 'timeout'
            ? `the schema check took longer than ${SCHEMA_CHECK_TIMEOUT_MS} ms; simplify the schema's patterns`
            : `the schema check failed${message ? `: ${message}` : ''}`,
        ),
    },
  ).catch((error: Error) => ({ ok: false, message: error.message }));
}

/** Whether `schema` is a JSON Schema (2020-12, or earlier drafts' common keywords) for an object, within bounds. */
export async function checkSchema(schema: Record<string, unknown>): Promise<SchemaCheck> {
  if (JSON.stringify(schema).length > MAX_SCHEMA_CHARS)
    return { ok: false, message: `format.schema is larger than ${MAX_SCHEMA_CHARS} characters` };
  if (schema.type !== 'object')
    return { ok: false, message: 'format.schema must describe an object (type: "object"): it is a tool input' };
  return run(schema, undefined);
}

/** Whether `value` matches `schema`; the message names what does not. */
export function validateAgainst(schema: Record<string, unknown>, value: unknown): Promise<SchemaCheck> {
  return run(schema, { value });
}

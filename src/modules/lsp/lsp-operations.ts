import { pathToFileURL } from 'node:url';
import type { LspClient } from './lsp-client';

/** The lsp tool's operations: OpenCode's names, each one LSP request (two for the call hierarchy's calls). */
export const LSP_OPERATIONS = [
  'goToDefinition',
  'findReferences',
  'hover',
  'documentSymbol',
  'workspaceSymbol',
  'goToImplementation',
  'prepareCallHierarchy',
  'incomingCalls',
  'outgoingCalls',
] as const;
export type LspOperation = (typeof LSP_OPERATIONS)[number];

export interface OperationInput {
  operation: LspOperation;
  file: string;
  /** 0-based, as LSP counts. */
  line: number;
  character: number;
  query?: string;
}

/** One operation on one server: the server's answer, flattened to a list (nothing found: empty). */
export async function runOperation(client: LspClient, input: OperationInput): Promise<unknown[]> {
  const textDocument = { uri: pathToFileURL(input.file).href };
  const position = { line: input.line, character: input.character };
  const at = { textDocument, position };
  switch (input.operation) {
    case 'goToDefinition':
      return list(await client.request('textDocument/definition', at));
    case 'findReferences':
      return list(await client.request('textDocument/references', { ...at, context: { includeDeclaration: true } }));
    case 'hover':
      return list(await client.request('textDocument/hover', at));
    case 'documentSymbol':
      return list(await client.request('textDocument/documentSymbol', { textDocument }));
    case 'workspaceSymbol':
      return list(await client.request('workspace/symbol', { query: input.query ?? '' }));
    case 'goToImplementation':
      return list(await client.request('textDocument/implementation', at));
    case 'prepareCallHierarchy':
      return list(await client.request('textDocument/prepareCallHierarchy', at));
    case 'incomingCalls':
    case 'outgoingCalls': {
      const items = list(await client.request('textDocument/prepareCallHierarchy', at));
      const method =
        input.operation === 'incomingCalls' ? 'callHierarchy/incomingCalls' : 'callHierarchy/outgoingCalls';
      const calls = await Promise.all(items.map((item) => client.request(method, { item })));
      return calls.flatMap(list);
    }
  }
}

function list(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [value];
}

/** Kinds `/find/symbol` keeps (OpenCode's): class, method, enum, interface, function, variable, constant, struct. */
export const SEARCHED_SYMBOL_KINDS = new Set([5, 6, 10, 11, 12, 13, 14, 23]);

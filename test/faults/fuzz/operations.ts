import { ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';

// class-transformer's @Type() registry (no typings for this entry point); the same instance the app uses.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: {
    findTypeMetadata(target: Function, prop: string): { typeFunction: () => unknown } | undefined;
  };
};

// The fuzzer's view of the API: every operation of the live OpenAPI document, enriched with the shape of its
// body and query DTOs. Under Jest the app is compiled by SWC, without the @nestjs/swagger CLI plugin, so the
// document's DTO schemas are empty; the class-validator metadata of the same classes (found through Nest's
// route metadata) says which fields exist and what they must be.

export interface FieldShape {
  name: string;
  optional: boolean;
  /** class-validator rule names, e.g. isString, isIn, length, isInt. */
  rules: { name: string; constraints: unknown[]; each: boolean }[];
  nested?: DtoShape;
  isArray: boolean;
}

export interface DtoShape {
  name: string;
  fields: FieldShape[];
}

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. /session/{sessionID}/message. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  body?: DtoShape;
  /** The document declares a request body (with a shape from the DTO or none). */
  hasBody: boolean;
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const NEST_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];
const BODY = 3;
const QUERY = 4;

/**
 * Routes that never end (SSE) or are not JSON APIs: left out of the fuzz run. So is PATCH /admin/limits: a valid body
 * with a NUL elsewhere lowers the school's own request limit to its floor, which then throttles the sweep itself; its
 * bad input is covered by abuse-limits.e2e-spec.ts.
 */
export function isSkipped(path: string): boolean {
  return (
    path === '/event' ||
    path === '/global/event' ||
    /^\/share\/[^/]+\/event$/.test(path) ||
    path.startsWith('/admin/queues') ||
    path === '/admin/limits'
  );
}

function dtoShape(cls: Function | undefined, seen = new Set<Function>()): DtoShape | undefined {
  if (
    !cls ||
    typeof cls !== 'function' ||
    [Object, String, Number, Boolean, Array].includes(cls as never) ||
    seen.has(cls)
  )
    return undefined;
  seen.add(cls);
  const metas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const byField = new Map<string, FieldShape>();
  for (const m of metas) {
    const f = byField.get(m.propertyName) ?? { name: m.propertyName, optional: false, rules: [], isArray: false };
    byField.set(m.propertyName, f);
    const name = m.name ?? m.type;
    if (name === 'isOptional') f.optional = true;
    if (name === 'isArray') f.isArray = true;
    if (m.type === 'nestedValidation') {
      const typeFn = defaultMetadataStorage.findTypeMetadata(cls, m.propertyName)?.typeFunction;
      f.nested = dtoShape(typeFn?.() as Function | undefined, new Set(seen));
      if (m.each) f.isArray = true;
    }
    f.rules.push({ name, constraints: m.constraints ?? [], each: !!m.each });
  }
  return { name: cls.name, fields: [...byField.values()] };
}

function joinPath(...parts: (string | undefined)[]): string {
  const p = parts
    .filter((x) => x !== undefined && x !== '' && x !== '/')
    .join('/')
    .replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  return ('/' + p).replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
}

interface HandlerInfo {
  body?: Function;
  query?: Function;
  namedQueries: string[];
}

/** METHOD + OpenAPI path → the DTO classes its handler takes, read from Nest's route metadata. */
function handlerTable(app: INestApplication): Map<string, HandlerInfo> {
  const table = new Map<string, HandlerInfo>();
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const ctrl = wrapper.metatype as Function | undefined;
      if (!ctrl?.prototype) continue;
      const ctrlPaths = [Reflect.getMetadata('path', ctrl)].flat() as string[];
      for (const key of Object.getOwnPropertyNames(ctrl.prototype)) {
        const handler = ctrl.prototype[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        const methodPaths = Reflect.getMetadata('path', handler);
        const method = Reflect.getMetadata('method', handler);
        if (methodPaths === undefined || method === undefined) continue;
        const types: Function[] = Reflect.getMetadata('design:paramtypes', ctrl.prototype, key) ?? [];
        const args: Record<string, { index: number; data?: unknown }> =
          Reflect.getMetadata('__routeArguments__', ctrl, key) ?? {};
        const info: HandlerInfo = { namedQueries: [] };
        for (const [k, a] of Object.entries(args)) {
          const kind = Number(k.split(':')[0]);
          if (kind === BODY && a.data === undefined) info.body = types[a.index];
          if (kind === QUERY && a.data === undefined) info.query = types[a.index];
          if (kind === QUERY && typeof a.data === 'string') info.namedQueries.push(a.data);
        }
        for (const cp of ctrlPaths)
          for (const mp of [methodPaths].flat()) table.set(`${NEST_METHODS[method]} ${joinPath(cp, mp)}`, info);
      }
    }
  }
  return table;
}

export function operationsOf(doc: any, app: INestApplication): Operation[] {
  const handlers = handlerTable(app);
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [m, op] of Object.entries<any>(item)) {
      if (!HTTP_METHODS.includes(m)) continue;
      const method = m.toUpperCase();
      const params: any[] = op.parameters ?? [];
      // Path parameters come from the template itself: a few operations do not list theirs.
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
      const handler = handlers.get(`${method} ${path}`);
      const queryShape = dtoShape(handler?.query);
      const queryParams = [
        ...new Set([
          ...params.filter((p) => p.in === 'query').map((p) => p.name as string),
          ...(queryShape?.fields.map((f) => f.name) ?? []),
          ...(handler?.namedQueries ?? []),
        ]),
      ];
      const docSchema = op.requestBody?.content?.['application/json']?.schema;
      const body = dtoShape(handler?.body) ?? shapeFromSchema(doc, docSchema);
      ops.push({ method, path, pathParams, queryParams, body, hasBody: !!op.requestBody || !!handler?.body });
    }
  }
  return ops;
}

/** When the document does carry properties (a build with the swagger plugin), they describe the body too. */
function shapeFromSchema(doc: any, schema: any): DtoShape | undefined {
  if (!schema) return undefined;
  const ref: string | undefined = schema.$ref;
  const resolved = ref ? doc.components?.schemas?.[ref.split('/').pop()!] : schema;
  const props = Object.entries<any>(resolved?.properties ?? {});
  if (!props.length) return undefined;
  const required: string[] = resolved.required ?? [];
  return {
    name: ref ?? 'inline',
    fields: props.map(([name, s]) => ({
      name,
      optional: !required.includes(name),
      isArray: s.type === 'array',
      rules: [
        {
          name: s.enum
            ? 'isIn'
            : s.type === 'string'
              ? 'isString'
              : s.type === 'integer'
                ? 'isInt'
                : s.type === 'boolean'
                  ? 'isBoolean'
                  : s.type === 'number'
                    ? 'isNumber'
                    : 'isObject',
          constraints: s.enum ? [s.enum] : [],
          each: false,
        },
      ],
    })),
  };
}

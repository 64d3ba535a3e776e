import type { PluginFunction } from './plugin.types';
import { PluginSpecError, type PluginSpec } from './plugin-spec';

/**
 * The plugin functions of a module, as OpenCode finds them: a `server` function (the v1 `PluginModule` shape, as
 * `default.server` or a named export) or, in the older shape, every exported function. Loaded with require: Node
 * loads ES modules that way (20.19+), so a published plugin's `import`-only package loads unchanged.
 */
export function loadPluginFunctions(spec: PluginSpec): PluginFunction[] {
  const mod = require(spec.file) as Record<string, unknown>;
  const exported = (v: unknown): v is PluginFunction => typeof v === 'function';
  const def = mod.default as Record<string, unknown> | PluginFunction | undefined;
  const server = (def && typeof def === 'object' ? def.server : undefined) ?? mod.server;
  const found = exported(server)
    ? [server]
    : [
        ...new Set([
          def,
          ...Object.entries(mod)
            .filter(([k]) => k !== 'default')
            .map(([, v]) => v),
        ]),
      ].filter(exported);
  if (!found.length) throw new PluginSpecError(`plugin ${spec.name}: ${spec.file} exports no plugin function`);
  return found;
}

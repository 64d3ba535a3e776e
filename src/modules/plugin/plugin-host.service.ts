import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { systemAuth } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { TtlCache } from '../../core/cache/ttl-cache';
import { LOGGER } from '../../core/logging/logger';
import { MetricsService } from '../../infra/metrics/metrics.service';
import { configIssues } from '../config/config.parse';
import { configSchema, type Config } from '../config/config.schema';
import { ConfigService } from '../config/config.service';
import { EventBus } from '../event/event.bus';
import type { EventEnvelope } from '../event/event.types';
import type { RegisteredTool } from '../tool/tool.registry';
import { acceptPluginConfig } from './plugin-config';
import { PluginInputFactory } from './plugin-input';
import { loadPluginFunctions } from './plugin-loader';
import { PluginRepository } from './plugin.repository';
import { platformPluginSpecs, type PluginSpec } from './plugin-spec';
import { pluginTool } from './plugin-tools';
import type { HookName, PluginFunction, PluginHooks, PluginScope } from './plugin.types';

interface Loaded {
  spec: PluginSpec;
  functions: PluginFunction[];
}

/** One plugin started for one school, user and project: the hooks its functions returned. */
interface Instance {
  name: string;
  scope: PluginScope;
  folder: string;
  hooks: PluginHooks[];
}

const TIMED_OUT = Symbol('timeout');
/** Started plugins are kept this long unused, then disposed (their `dispose` hook runs). */
const INSTANCE_TTL_MS = 30 * 60_000;
const SETTINGS_TTL_MS = 5_000;

/**
 * The platform's plugins (named by the platform config or its plugin folder, loaded at boot) and the one place
 * their hooks run. Each is started lazily per school, user and project with OpenCode's PluginInput; every call
 * (start included) has a time limit and its errors are contained: a plugin that throws or hangs is logged and
 * counted (`oc_plugin_failures_total`) and the turn goes on without it. Schools turn plugins off in their
 * settings (`plugins: { name: false }`); a plugin a school turned off is neither started nor called for it.
 */
@Injectable()
export class PluginHost implements OnModuleInit, OnModuleDestroy {
  private loaded: Loaded[] = [];
  private readonly choices = new TtlCache<string, Record<string, boolean>>(SETTINGS_TTL_MS);
  private readonly instances = new LRUCache<string, Promise<Instance>>({
    max: 2_000,
    ttl: INSTANCE_TTL_MS,
    updateAgeOnGet: true,
    dispose: (instance) => void instance.then((i) => this.dispose(i)).catch(() => undefined),
  });
  private off?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly app: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly config: ConfigService,
    private readonly inputs: PluginInputFactory,
    private readonly repo: PluginRepository,
    private readonly metrics: MetricsService,
    private readonly bus: EventBus,
  ) {}

  /**
   * A plugin the platform names but cannot load stops the boot, like any bad platform config. Each plugin is then
   * started once for the platform and its `config` hook applied to the platform's config (plugin-config.ts).
   */
  async onModuleInit(): Promise<void> {
    const specs = platformPluginSpecs(this.config.platform().plugin, this.app.plugins.dir, process.cwd());
    this.loaded = specs.map((spec) => ({ spec, functions: loadPluginFunctions(spec) }));
    if (this.loaded.length) {
      this.logger.info({ plugins: specs.map((s) => s.name) }, 'platform plugins loaded');
      await this.applyConfigHooks();
      this.off = this.bus.subscribe(
        () => true,
        (envelope) => void this.deliver(envelope),
      );
    }
  }

  onModuleDestroy(): void {
    this.off?.();
    this.instances.clear();
  }

  /** The platform's plugin names: what a school may turn on or off. */
  names(): string[] {
    return this.loaded.map((l) => l.spec.name);
  }

  /** Runs one hook of every plugin the school has on, in the platform's order; returns `output`, mutated. */
  async trigger<I, O>(scope: PluginScope, hook: HookName, input: I, output: O): Promise<O> {
    for (const instance of await this.started(scope))
      for (const hooks of instance.hooks) {
        const fn = hooks[hook];
        if (typeof fn === 'function') await this.contained(instance.name, hook, () => fn(input, output));
      }
    return output;
  }

  /**
   * `tool.execute.before`: OpenCode plugins refuse a call by throwing, so a throw fails that tool call (the model
   * reads the message, the turn goes on). A hang is contained like any other hook's.
   */
  async beforeTool(scope: PluginScope, input: { tool: string; sessionID: string; callID: string }, args: unknown) {
    const output = { args };
    for (const instance of await this.started(scope))
      for (const hooks of instance.hooks) {
        const fn = hooks['tool.execute.before'];
        if (typeof fn === 'function')
          await this.contained(instance.name, 'tool.execute.before', () => fn(input, output), { rethrow: true });
      }
    return output.args;
  }

  /** The custom tools of the plugins the school has on (a name a built-in holds is not taken over). */
  async tools(scope: PluginScope, taken: (id: string) => boolean): Promise<RegisteredTool[]> {
    const tools: RegisteredTool[] = [];
    for (const instance of await this.started(scope))
      for (const hooks of instance.hooks)
        for (const [id, def] of Object.entries(hooks.tool ?? {})) {
          const tool = taken(id) ? undefined : pluginTool(id, def, instance.folder);
          if (tool) tools.push(tool);
          else
            this.logger.warn({ plugin: instance.name, tool: id }, 'plugin tool skipped (invalid or a built-in name)');
        }
    return tools;
  }

  /** The plugins the school has on, started for this scope (a start that failed is retried after a while). */
  private async started(scope: PluginScope): Promise<Instance[]> {
    if (!this.loaded.length) return [];
    const choices = await this.choices.get(scope.tenantId, () => this.repo.choices(scope.tenantId));
    const on = this.loaded.filter((l) => choices[l.spec.name] !== false);
    return Promise.all(
      on.map((loaded) => {
        const key = [loaded.spec.name, scope.tenantId, scope.userId ?? '', scope.projectId, scope.directory].join('\0');
        let instance = this.instances.get(key);
        if (!instance) {
          instance = this.start(loaded, scope);
          this.instances.set(key, instance);
        }
        return instance;
      }),
    );
  }

  /** The hooks a plugin's functions return for this input (a function that throws or hangs adds none). */
  private async hooksOf({ spec, functions }: Loaded, input: Record<string, unknown>): Promise<PluginHooks[]> {
    const hooks: PluginHooks[] = [];
    for (const fn of functions) {
      const returned = await this.contained(spec.name, 'start', () => fn(input, spec.options));
      if (returned && typeof returned === 'object') hooks.push(returned);
    }
    return hooks;
  }

  private async start(loaded: Loaded, scope: PluginScope): Promise<Instance> {
    const [input, folder] = await Promise.all([this.inputs.build(loaded.spec.name, scope), this.inputs.folder(scope)]);
    const hooks = await this.hooksOf(loaded, input);
    const instance = { name: loaded.spec.name, scope, folder, hooks };
    // The `config` hook's changes were applied at load (applyConfigHooks); here it only sees the config this call
    // runs under, which plugins read (DCP reads the permission rules), and what it changes is dropped.
    const config = structuredClone(
      await this.config.effective(systemAuth(scope.tenantId, scope.userId ?? 'system'), scope.projectId),
    );
    await this.runConfigHooks(loaded.spec.name, hooks, config);
    return instance;
  }

  private async runConfigHooks(plugin: string, hooks: PluginHooks[], config: unknown): Promise<boolean> {
    let ok = true;
    for (const h of hooks)
      if (typeof h.config === 'function') {
        const fn = h.config as (c: unknown) => Promise<void>;
        const ran = await this.contained(plugin, 'config', async () => {
          await fn(config);
          return true;
        });
        ok = ran === true && ok;
      }
    return ok;
  }

  /**
   * OpenCode's `config` hook at load: each plugin, in the platform's order, is started once with the platform's
   * input (no school, user or project) and edits a copy of the platform config; what it may change is applied
   * (plugin-config.ts), the rest is logged. A hook that throws, hangs or leaves an invalid config changes nothing.
   */
  private async applyConfigHooks(): Promise<void> {
    const input = await this.inputs.platform();
    let platform = this.config.platform();
    const layers: Config[] = [];
    for (const loaded of this.loaded) {
      const hooks = await this.hooksOf(loaded, input);
      if (hooks.some((h) => typeof h.config === 'function')) {
        const draft = structuredClone(platform);
        const parsed = (await this.runConfigHooks(loaded.spec.name, hooks, draft))
          ? configSchema.safeParse(draft)
          : undefined;
        if (parsed && !parsed.success) {
          this.metrics.pluginFailures.inc({ plugin: loaded.spec.name, hook: 'config', outcome: 'error' });
          this.logger.warn(
            { plugin: loaded.spec.name, issues: configIssues(parsed.error) },
            'plugin config hook left an invalid config; its changes are not applied',
          );
        } else if (parsed?.success) {
          const changes = acceptPluginConfig(platform, parsed.data);
          platform = changes.config;
          if (changes.layer) layers.push(changes.layer);
          if (changes.ignored.length)
            this.logger.warn(
              { plugin: loaded.spec.name, keys: changes.ignored },
              'plugin config hook changed keys a plugin may not change; those changes are not applied',
            );
        }
      }
      await this.dispose({ name: loaded.spec.name, hooks });
    }
    this.config.applyPluginChanges(platform, layers);
  }

  /** Bus events go to the started plugins of their school, project and session owner. */
  private async deliver(envelope: EventEnvelope): Promise<void> {
    for (const pending of [...this.instances.values()]) {
      const instance = await pending.catch(() => undefined);
      if (!instance || instance.scope.tenantId !== envelope.tenantId) continue;
      if (envelope.projectId && envelope.projectId !== instance.scope.projectId) continue;
      if (envelope.ownerId && envelope.ownerId !== instance.scope.userId) continue;
      const choices = await this.choices.get(envelope.tenantId, () => this.repo.choices(envelope.tenantId));
      if (choices[instance.name] === false) continue;
      for (const hooks of instance.hooks)
        if (typeof hooks.event === 'function') {
          const fn = hooks.event as (input: unknown) => Promise<void>;
          await this.contained(instance.name, 'event', () => fn({ event: envelope.event }));
        }
    }
  }

  private async dispose(instance: Pick<Instance, 'name' | 'hooks'>): Promise<void> {
    for (const hooks of instance.hooks)
      if (typeof hooks.dispose === 'function') await this.contained(instance.name, 'dispose', () => hooks.dispose!());
  }

  /** A plugin call with the time limit, its failure logged and counted; undefined when it failed. */
  private async contained<T>(
    plugin: string,
    hook: string,
    fn: () => T | Promise<T>,
    opts: { rethrow?: boolean } = {},
  ): Promise<T | undefined> {
    const timer = new AbortController();
    try {
      const result = await Promise.race([
        Promise.resolve().then(fn),
        sleep(this.app.plugins.hookTimeoutMs, TIMED_OUT, { signal: timer.signal }),
      ]);
      if (result !== TIMED_OUT) return result as T;
      this.metrics.pluginFailures.inc({ plugin, hook, outcome: 'timeout' });
      this.logger.warn({ plugin, hook, timeoutMs: this.app.plugins.hookTimeoutMs }, 'plugin hook timed out');
      return undefined;
    } catch (err) {
      if (opts.rethrow) throw err;
      this.metrics.pluginFailures.inc({ plugin, hook, outcome: 'error' });
      this.logger.warn({ err, plugin, hook }, 'plugin hook failed');
      return undefined;
    } finally {
      timer.abort();
    }
  }
}

// The platform's plugin names, for validating a school's `plugins` setting: the plugin module sits above the
// tenant module, so the composition root binds this token to it.

export const PLATFORM_PLUGINS = Symbol('PLATFORM_PLUGINS');

export interface PlatformPlugins {
  names(): string[];
}

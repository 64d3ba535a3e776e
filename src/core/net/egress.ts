import { EgressAllowList } from './egress-allow-list';
import { createGuardedFetch, type GuardedFetch } from './guarded-fetch';
import { safeFetch, type SafeFetchOptions, type SafeResponse } from './safe-fetch';
import { assertPublicUrl, type CheckedUrl, type UrlGuardOptions } from './ssrf-guard';

/**
 * The one door for outbound requests made on a tenant's behalf (webfetch, remote MCP servers and their OAuth
 * discovery, JWKS, provider endpoints below the platform layer): `check` refuses a URL before any socket opens,
 * `fetch` is a WHATWG fetch for SDKs, `fetchBuffered` a size-capped GET for tools. All three pin DNS and
 * re-check redirects against the same policy: public addresses, plus the platform's allow-list.
 */
export class EgressGuard {
  readonly fetch: GuardedFetch;

  constructor(readonly options: UrlGuardOptions = {}) {
    this.fetch = createGuardedFetch(options);
  }

  check(url: string | URL): Promise<CheckedUrl> {
    return assertPublicUrl(url, this.options);
  }

  fetchBuffered(url: string | URL, options: Omit<SafeFetchOptions, keyof UrlGuardOptions> = {}): Promise<SafeResponse> {
    return safeFetch(url, { ...options, ...this.options });
  }
}

const guards = new WeakMap<EgressAllowList, EgressGuard>();
const NOTHING_ALLOWED = new EgressAllowList();

/** One guard (and one socket pool) per allow-list, i.e. per booted app; without a list nothing private is reachable. */
export function egressGuard(allow: EgressAllowList = NOTHING_ALLOWED): EgressGuard {
  let guard = guards.get(allow);
  if (!guard) guards.set(allow, (guard = new EgressGuard({ allow })));
  return guard;
}

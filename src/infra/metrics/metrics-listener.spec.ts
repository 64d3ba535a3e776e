import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../core/config/app-config';
import { startMetricsListener, type MetricsListener } from './metrics-listener';
import { MetricsService } from './metrics.service';

// A worker's own scrape endpoint: only the metrics token reads it; the liveness probe is the one open path.

const token = randomBytes(24).toString('hex');
const metrics = new MetricsService();
let listener: MetricsListener;
let base: string;

beforeAll(async () => {
  listener = await startMetricsListener(metrics, { host: '127.0.0.1', port: 0, token });
  base = `http://127.0.0.1:${listener.port}`;
});

afterAll(() => listener?.close());

const get = (path: string, key?: string) =>
  fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('the worker metrics listener', () => {
  it.each([
    ['no token', undefined],
    ['a wrong token', randomBytes(24).toString('hex')],
    ['the token with a character missing', token.slice(1)],
  ])('refuses %s with 401', async (_, key) => {
    const res = await get('/metrics', key);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ name: 'UnauthorizedError', data: { message: expect.any(String) } });
  });

  it('serves the registry in Prometheus text format to the token', async () => {
    metrics.jobDuration.observe({ queue: 'session', job: 'session.title', outcome: 'completed' }, 0.2);
    const res = await get('/metrics', token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toContain(
      'oc_queue_job_duration_seconds_count{queue="session",job="session.title",outcome="completed"} 1',
    );
  });

  it('answers the liveness probe without a token, and nothing else', async () => {
    expect((await get('/global/health')).status).toBe(200);
    expect((await get('/admin/tenants', token)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('will not start without a token: METRICS_PORT alone is a configuration error', () => {
    expect(() => loadConfig({ METRICS_PORT: '9464' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: token }).metrics).toMatchObject({ port: 9464, token });
  });
});

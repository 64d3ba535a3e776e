import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findOnPath, loadConfig } from '../../../src/core/config/app-config';

// deploy/k8s rendered the way an operator renders it (`kubectl kustomize deploy/k8s`, no cluster needed), then read
// as objects: every piece the operations guide promises is there and wired to the others (selectors, names, ports,
// probes, the sandbox's security context), and the ConfigMap is a configuration the server accepts.

const root = path.resolve(__dirname, '../../..');
const kubectl = findOnPath('kubectl', process.env.PATH);
const describeRendered = kubectl ? describe : describe.skip;

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<
  string,
  any
>;

let objects: Obj[] = [];
const all = (kind: string) => objects.filter((o) => o.kind === kind);
function one(kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
  if (!found) throw new Error(`${kind} ${name} not rendered`);
  return found;
}
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const podLabels = (o: Obj): Record<string, string> => o.spec.template.metadata.labels;
const containerOf = (o: Obj) => o.spec.template.spec.containers[0];

beforeAll(() => {
  if (!kubectl) return;
  const out = execFileSync(kubectl, ['kustomize', path.join(root, 'deploy/k8s')], { encoding: 'utf8' });
  objects = parseAllDocuments(out).map((d) => d.toJS() as Obj);
});

it('kubectl is on PATH (CI renders the manifests; without it this spec cannot check them)', () => {
  // The CI machine has kubectl (its kustomize renders offline). Say so loudly rather than pass on nothing.
  expect(kubectl).not.toBeNull();
});

describeRendered('kubectl kustomize deploy/k8s', () => {
  it('renders the objects the operations guide lists, all in the overlay namespace', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Deployment/opencode-api',
        'Deployment/opencode-worker',
        'Job/opencode-api-migrate',
        'Service/opencode-api',
        'Service/opencode-worker-metrics',
        'HorizontalPodAutoscaler/opencode-api',
        'HorizontalPodAutoscaler/opencode-worker',
        'PodDisruptionBudget/opencode-api',
        'PodDisruptionBudget/opencode-worker',
        'PersistentVolumeClaim/opencode-data',
        'ConfigMap/opencode-api',
        'Secret/opencode-api',
        'NetworkPolicy/postgres-only-from-opencode',
        'NetworkPolicy/redis-only-from-opencode',
        'NetworkPolicy/opencode-api-egress',
      ]),
    );
    for (const o of objects.filter((x) => x.kind !== 'Namespace'))
      expect({ object: `${o.kind}/${o.metadata.name}`, ns: o.metadata.namespace }).toEqual({
        object: `${o.kind}/${o.metadata.name}`,
        ns: 'opencode',
      });
  });

  it('each Deployment has an HPA aimed at it and a PodDisruptionBudget and Service that select its pods', () => {
    for (const name of ['opencode-api', 'opencode-worker']) {
      const deployment = one('Deployment', name);
      expect(matches(deployment.spec.selector.matchLabels, podLabels(deployment))).toBe(true);
      const hpa = all('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === name);
      expect(hpa?.spec.scaleTargetRef.kind).toBe('Deployment');
      expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(1);
      const pdbs = all('PodDisruptionBudget').filter((p) =>
        matches(p.spec.selector.matchLabels, podLabels(deployment)),
      );
      expect(pdbs.map((p) => p.metadata.name)).toEqual([name]);
      const services = all('Service').filter((s) => matches(s.spec.selector, podLabels(deployment)));
      expect(services.length).toBe(1);
      const ports = containerOf(deployment).ports.map((p: { name: string }) => p.name);
      for (const p of services[0].spec.ports) expect(ports).toContain(p.targetPort);
    }
    // The PDBs never select each other's pods (api and worker drain independently).
    expect(one('PodDisruptionBudget', 'opencode-api').spec.selector.matchLabels['app.kubernetes.io/component']).toBe(
      'api',
    );
  });

  it('probes: the api is ready on /ready and alive on /global/health; the worker alive on its metrics listener', () => {
    const api = containerOf(one('Deployment', 'opencode-api'));
    expect(api.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: 'http' });
    expect(api.livenessProbe.httpGet).toMatchObject({ path: '/global/health', port: 'http' });
    const worker = containerOf(one('Deployment', 'opencode-worker'));
    expect(worker.livenessProbe.httpGet).toMatchObject({ path: '/global/health', port: 'metrics' });
    const config = one('ConfigMap', 'opencode-api').data;
    const metricsPort = worker.ports.find((p: { name: string }) => p.name === 'metrics').containerPort;
    expect(Number(config.METRICS_PORT)).toBe(metricsPort);
    expect(api.ports.find((p: { name: string }) => p.name === 'http').containerPort).toBe(Number(config.PORT));
  });

  it('api, worker and the migration read the same ConfigMap and Secret; api and worker share the data volume', () => {
    const names = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
    const config = one('ConfigMap', 'opencode-api').data;
    for (const o of [one('Deployment', 'opencode-api'), one('Deployment', 'opencode-worker'), one('Job', 'opencode')]) {
      const refs = containerOf(o).envFrom.map((e: any) =>
        e.configMapRef ? `ConfigMap/${e.configMapRef.name}` : `Secret/${e.secretRef.name}`,
      );
      expect(refs.length).toBe(2);
      for (const ref of refs) expect({ ref, rendered: names.has(ref) }).toEqual({ ref, rendered: true });
    }
    for (const name of ['opencode-api', 'opencode-worker']) {
      const spec = one('Deployment', name).spec.template.spec;
      const volume = spec.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === 'opencode-data');
      const mount = spec.containers[0].volumeMounts.find((m: any) => m.name === volume.name);
      expect(mount.mountPath).toBe(config.DATA_DIR);
    }
    expect(one('PersistentVolumeClaim', 'opencode-data').spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it('the security context: bubblewrap gets user namespaces and nothing else; the rest keep the runtime default', () => {
    for (const name of ['opencode-api', 'opencode-worker']) {
      const spec = one('Deployment', name).spec.template.spec;
      expect(spec.hostUsers).toBe(false);
      expect(spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'Unconfined' },
        appArmorProfile: { type: 'Unconfined' },
      });
      expect(spec.containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        procMount: 'Unmasked',
      });
      expect(spec.automountServiceAccountToken ?? false).toBe(false);
    }
    expect(one('ServiceAccount', 'opencode-api').automountServiceAccountToken).toBe(false);
    const others = [one('Job', 'opencode'), one('StatefulSet', 'postgres'), one('StatefulSet', 'redis')];
    for (const o of others) {
      expect(o.spec.template.spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
      expect(containerOf(o).securityContext).toMatchObject({ allowPrivilegeEscalation: false });
    }
    for (const o of objects.filter((x) => x.spec?.template))
      expect({ o: o.metadata.name, privileged: containerOf(o).securityContext?.privileged ?? false }).toEqual({
        o: o.metadata.name,
        privileged: false,
      });
  });

  it('network policies: only opencode pods reach Postgres and Redis; they reach the public internet, never private ranges', () => {
    const opencodePods = [
      one('Deployment', 'opencode-api'),
      one('Deployment', 'opencode-worker'),
      one('Job', 'opencode'),
    ];
    for (const [store, port] of [
      ['postgres', 5432],
      ['redis', 6379],
    ] as const) {
      const storePods = podLabels(one('StatefulSet', store));
      const guarding = all('NetworkPolicy').filter((p) => matches(p.spec.podSelector.matchLabels, storePods));
      expect(guarding.map((p) => p.metadata.name)).toEqual([`${store}-only-from-opencode`]);
      const [rule] = guarding[0].spec.ingress;
      expect(guarding[0].spec.ingress.length).toBe(1);
      expect(rule.ports).toEqual([{ port, protocol: 'TCP' }]);
      const from = rule.from.map((f: any) => f.podSelector.matchLabels);
      for (const pod of opencodePods) expect(from.some((sel: any) => matches(sel, podLabels(pod)))).toBe(true);
      expect(from.some((sel: any) => matches(sel, storePods))).toBe(false);
      expect(rule.from.every((f: any) => !f.namespaceSelector && !f.ipBlock)).toBe(true);
    }
    const egress = one('NetworkPolicy', 'opencode-api-egress');
    for (const pod of opencodePods) expect(matches(egress.spec.podSelector.matchLabels, podLabels(pod))).toBe(true);
    const ports = egress.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port));
    expect(ports).toEqual(expect.arrayContaining([53, 5432, 6379, 443]));
    const internet = egress.spec.egress.find((r: any) => r.to.some((t: any) => t.ipBlock?.cidr === '0.0.0.0/0'));
    expect(internet.to[0].ipBlock.except).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']),
    );
  });

  it('the ConfigMap is a configuration the server accepts; the example Secret refuses to boot until filled in', () => {
    const config = one('ConfigMap', 'opencode-api').data as Record<string, string>;
    const secret = Object.fromEntries(
      Object.entries(one('Secret', 'opencode-api').data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );
    const filled = {
      ...secret,
      ENCRYPTION_KEYS: `1:${Buffer.alloc(32, 7).toString('base64')}`,
      METRICS_TOKEN: 'x'.repeat(32),
    };
    const parsed = loadConfig({ ...config, ...filled, SANDBOX_BWRAP: '/usr/bin/bwrap' });
    expect(parsed).toMatchObject({ workersInApi: false, sandbox: 'required', metrics: { port: 9464 } });
    expect(() => loadConfig({ ...config, ...secret })).toThrow(/ENCRYPTION_KEYS|METRICS_TOKEN/);
  });
});

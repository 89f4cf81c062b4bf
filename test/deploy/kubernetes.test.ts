/**
 * The Kubernetes manifests in deploy/kubernetes/, without a cluster: every document is valid for
 * kubernetes-models (types, enums, required fields) and has no field its schema does not know; the
 * native and classic sidecar Deployments carry what issue 6 asks (probes, resources, the downward
 * API into OTEL_RESOURCE_ATTRIBUTES); selectors, ports and ConfigMap keys line up across files; the
 * config in the ConfigMap loads as the sidecar loads it; and prometheusrule.yaml is exactly what
 * generate-prometheusrule.ts makes of alerts/prometheus/.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { generatePrometheusRule, PROMETHEUS_RULE_FILE } from '../../deploy/kubernetes/generate-prometheusrule.ts';
import { loadConfig } from '../../src/config/load.ts';
import { requirePeer } from '../helpers/peers.ts';
import { manifestProblems } from './kubernetes-validate.ts';
import { ROOT, runTool } from './run-tool.ts';
import { BIN, NODE } from '../helpers/sidecar-process.ts';

const DIR = join(ROOT, 'deploy', 'kubernetes');
const promtool = requirePeer('promtool');

type Doc = Record<string, any>;
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const docs: { file: string; doc: Doc }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return { file, doc: d.toJS() as Doc };
  }),
);
const find = (kind: string, name: string) => docs.find((d) => d.doc.kind === kind && d.doc.metadata?.name === name)?.doc;

const native = find('Deployment', 'etl-runner')!;
const classic = find('Deployment', 'etl-runner-classic')!;
const sidecarOf = (d: Doc): Doc =>
  [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers].find((c: Doc) => c.name === 'runwarden');

describe('deploy/kubernetes/', () => {
  it('holds every manifest the issue asks for', () => {
    expect(docs.map((d) => `${d.file}: ${d.doc.kind}/${d.doc.metadata.name}`)).toEqual([
      'configmap.yaml: ConfigMap/runwarden-config',
      'configmap.yaml: ConfigMap/runwarden-rules',
      'deployment-classic.yaml: Deployment/etl-runner-classic',
      'deployment-native-sidecar.yaml: Deployment/etl-runner',
      'podmonitor.yaml: PodMonitor/runwarden',
      'prometheusrule.yaml: PrometheusRule/runwarden-fleet',
      'service.yaml: Service/runwarden',
      'servicemonitor.yaml: ServiceMonitor/runwarden',
    ]);
  });

  for (const { file, doc } of docs) {
    it(`${file} ${doc.kind}/${doc.metadata?.name} is valid, with no unknown field`, () => {
      expect(manifestProblems(doc)).toEqual([]);
    });
  }

  it('the validation finds wrong types and unknown fields, and accepts free-form maps (it can fail)', () => {
    const bad = structuredClone(native);
    const c = bad.spec.template.spec.initContainers[0];
    c.readinesProbe = { httpGet: { path: '/readyz', port: 'api' } };
    c.ports[0].containerPort = '7171';
    c.livenessProbe.httpGet.bogus = 1;
    bad.spec.template.metadata.labels['team.example.com/owner'] = 'data';
    expect(manifestProblems(bad)).toEqual([
      '/spec/template/spec/initContainers/0/ports/0/containerPort: must be integer',
      '/spec/template/spec/initContainers/0/livenessProbe/httpGet/bogus: unknown field',
      '/spec/template/spec/initContainers/0/readinesProbe: unknown field',
    ]);
    expect(manifestProblems({ apiVersion: 'v1', kind: 'Pod' })).toEqual(['/: no model for v1 Pod']);
  });

  it('runs the sidecar natively (an init container that keeps running) and classically', () => {
    const n = native.spec.template.spec;
    expect(n.initContainers.map((c: Doc) => [c.name, c.restartPolicy])).toEqual([['runwarden', 'Always']]);
    expect(n.containers.map((c: Doc) => c.name)).toEqual(['workflow']);
    expect(sidecarOf(native).startupProbe.httpGet).toEqual({ path: '/readyz', port: 'api' });
    const c = classic.spec.template.spec;
    expect(c.initContainers).toBeUndefined();
    expect(c.containers.map((x: Doc) => x.name)).toEqual(['workflow', 'runwarden']);
    expect(sidecarOf(classic).restartPolicy).toBeUndefined();
  });

  for (const [name, d] of [['native', native], ['classic', classic]] as const) {
    it(`${name}: probes on /healthz and /readyz, requests and limits, pod and node through the downward API`, () => {
      const s = sidecarOf(d);
      expect(s.ports).toEqual([{ name: 'api', containerPort: 7171 }, { name: 'metrics', containerPort: 9464 }]);
      expect(s.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'api' });
      expect(s.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'api' });
      for (const c of [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers]) {
        expect(Object.keys(c.resources.requests).toSorted(), c.name).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).toSorted(), c.name).toEqual(['cpu', 'memory']);
        expect(c.securityContext.runAsNonRoot, c.name).toBe(true);
      }
      const env = s.env as { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
      const index = (n: string) => env.findIndex((e) => e.name === n);
      const fields = { POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', NODE_NAME: 'spec.nodeName' };
      for (const [v, path] of Object.entries(fields)) {
        expect(env[index(v)]?.valueFrom?.fieldRef.fieldPath, v).toBe(path);
        // $(VAR) expands only variables defined earlier in the list.
        expect(index(v)).toBeLessThan(index('OTEL_RESOURCE_ATTRIBUTES'));
      }
      const attrs = Object.fromEntries(env[index('OTEL_RESOURCE_ATTRIBUTES')]!.value!.split(',').map((kv) => kv.split('=')));
      expect(attrs).toMatchObject({ 'k8s.pod.name': '$(POD_NAME)', 'k8s.namespace.name': '$(POD_NAMESPACE)', 'k8s.node.name': '$(NODE_NAME)' });
      // Every mounted volume exists, and every ConfigMap key mounted by subPath is in its ConfigMap.
      const volumes = new Map((d.spec.template.spec.volumes as Doc[]).map((v) => [v.name, v]));
      for (const m of s.volumeMounts as Doc[]) {
        const v = volumes.get(m.name);
        expect(v, m.name).toBeDefined();
        if (v?.configMap) {
          const cm = find('ConfigMap', v.configMap.name);
          expect(cm, v.configMap.name).toBeDefined();
          if (m.subPath) expect(Object.keys(cm!.data)).toContain(m.subPath);
        }
      }
    });
  }

  it('the Service, PodMonitor and ServiceMonitor select the workflow pods and their metrics port', () => {
    const service = find('Service', 'runwarden')!;
    for (const d of [native, classic]) {
      expect(d.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      expect(d.spec.template.metadata.labels).toMatchObject(find('PodMonitor', 'runwarden')!.spec.selector.matchLabels);
    }
    const metrics = service.spec.ports.find((p: Doc) => p.name === 'metrics');
    expect(metrics.targetPort).toBe(9464);
    const sm = find('ServiceMonitor', 'runwarden')!;
    expect(service.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(sm.spec.endpoints[0].port).toBe('metrics');
    expect(find('PodMonitor', 'runwarden')!.spec.podMetricsEndpoints[0].port).toBe('metrics');
    // Both name the job the fleet rules select.
    for (const e of [sm.spec.endpoints[0], find('PodMonitor', 'runwarden')!.spec.podMetricsEndpoints[0]]) {
      expect(e.relabelings).toContainEqual({ targetLabel: 'job', replacement: 'runwarden', action: 'replace' });
    }
  });

  it('the ConfigMap\'s config loads as the sidecar loads it, with its rule files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-k8s-'));
    try {
      const config = find('ConfigMap', 'runwarden-config')!.data['runwarden.yaml'] as string;
      const rules = find('ConfigMap', 'runwarden-rules')!.data as Record<string, string>;
      for (const [name, text] of Object.entries(rules)) writeFileSync(join(dir, name), text);
      expect(config).toContain("files: ['/etc/runwarden/rules/*.yaml']");
      writeFileSync(join(dir, 'runwarden.yaml'), config.replace('/etc/runwarden/rules/', `${dir}/`));
      const loaded = loadConfig({}, { RUNWARDEN_CONFIG: join(dir, 'runwarden.yaml') }, dir);
      expect(loaded.rules.files).toEqual([`${dir}/*.yaml`]);
      const receiver = loaded.alerting!.receivers.get(loaded.alerting!.route.receiver)!;
      expect(receiver.integrations).toEqual([expect.objectContaining({ kind: 'alertmanager', urls: ['http://alertmanager-operated.monitoring.svc:9093'] })]);
      const check = runTool(NODE, [BIN, 'rules', 'check', ...Object.keys(rules).map((f) => join(dir, f))]);
      expect(check.status, check.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`${PROMETHEUS_RULE_FILE} is what generate-prometheusrule.ts makes of alerts/prometheus/`, () => {
    expect(readFileSync(join(ROOT, PROMETHEUS_RULE_FILE), 'utf8')).toBe(generatePrometheusRule(ROOT));
    const r = runTool(NODE, [join(DIR, 'generate-prometheusrule.ts'), '--check']);
    expect(r.status, r.output).toBe(0);
  });

  it.skipIf(!promtool)('the PrometheusRule\'s groups pass promtool check rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runwarden-k8s-rules-'));
    try {
      const rule = find('PrometheusRule', 'runwarden-fleet')!;
      writeFileSync(join(dir, 'fleet.rules.yaml'), stringify({ groups: rule.spec.groups }));
      const r = runTool(promtool!, ['check', 'rules', join(dir, 'fleet.rules.yaml')]);
      expect(r.status, r.output).toBe(0);
      expect(r.output).toMatch(/SUCCESS: 18 rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

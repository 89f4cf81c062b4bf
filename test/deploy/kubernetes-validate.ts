/**
 * Strict validation of Kubernetes manifests with kubernetes-models. Its validators check types,
 * enums and required fields but accept any unknown field (a misspelt `readinesProbe` passes), so
 * this adds the missing half: the document is validated through a Proxy that records which fields
 * the validator looks at. A validator reads every property its schema declares, and enumerates the
 * keys of free-form maps (labels, ConfigMap data); a field it neither read nor enumerated is one the
 * schema does not know, and is reported with its path.
 */
import { Service, ConfigMap } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodMonitor, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

/** MODELS are the kinds deploy/kubernetes/ uses, by `apiVersion/kind`. */
const MODELS: Record<string, { prototype: { validate(): void } }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

interface Trace {
  reads: WeakMap<object, Set<string | symbol>>;
  enumerated: WeakSet<object>;
}

// traced wraps `value` so that reads and key enumerations of it and everything under it are recorded.
function traced(value: unknown, trace: Trace): unknown {
  if (value === null || typeof value !== 'object') return value;
  const target = value;
  return new Proxy(target, {
    get(t, key, receiver) {
      let keys = trace.reads.get(t);
      if (!keys) trace.reads.set(t, (keys = new Set()));
      keys.add(key);
      return traced(Reflect.get(t, key, receiver), trace);
    },
    ownKeys(t) {
      trace.enumerated.add(t);
      return Reflect.ownKeys(t);
    },
  });
}

function unknownFields(value: unknown, trace: Trace, path: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => unknownFields(v, trace, `${path}/${i}`, out));
    return;
  }
  const known = trace.enumerated.has(value) ? undefined : (trace.reads.get(value) ?? new Set());
  for (const [k, v] of Object.entries(value)) {
    if (known && !known.has(k)) out.push(`${path}/${k}: unknown field`);
    else unknownFields(v, trace, `${path}/${k}`, out);
  }
}

/**
 * manifestProblems validates one manifest strictly: the model's schema errors (`path: message`)
 * and every field its schema does not define. An apiVersion/kind this module has no model for is
 * a problem too.
 */
export function manifestProblems(doc: { apiVersion?: string; kind?: string }): string[] {
  const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!model) return [`/: no model for ${doc.apiVersion} ${doc.kind}`];
  const trace: Trace = { reads: new WeakMap(), enumerated: new WeakSet() };
  const problems: string[] = [];
  try {
    model.prototype.validate.call(traced(doc, trace));
  } catch (err) {
    const details = (err as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!details) throw err;
    problems.push(...details.map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`));
  }
  unknownFields(doc, trace, '', problems);
  return problems;
}

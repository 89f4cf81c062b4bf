/**
 * Reading the Prometheus text exposition format (0.0.4): samples with their labels, label values
 * unescaped as the format defines (\\, \", \n). The rule engine reads the sidecar's own series
 * through it, so rules see exactly the names and labels /metrics shows.
 */

/** ExpositionSample is one sample line. */
export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

function parseValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return Number.NaN;
  return Number(raw);
}

/** parseExposition parses every sample line; it throws on a line it cannot read. */
export function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`unreadable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let lm: RegExpExecArray | null;
    while (LABEL.lastIndex < body.length && (lm = LABEL.exec(body))) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1] as string, labels, value: parseValue(m[3] as string) });
  }
  return samples;
}

/**
 * formatExpr writes a compiled tree back as PromQL with every operation parenthesised, so that a
 * test (or a person debugging a rule) can see how an expression was grouped:
 * `a + b offset 1m * c` is `(a + (b offset 1m * c))`.
 */
import type { Expr, VectorSelectorNode } from './ast.ts';
import { formatDuration } from '../../config/duration.ts';

function duration(ms: number): string {
  return ms < 0 ? `-${formatDuration(-ms)}` : formatDuration(ms);
}

function selector(s: VectorSelectorNode): string {
  const ms = s.matchers.filter((m) => !(s.name !== undefined && m.name === '__name__' && m.type === '=' && m.value === s.name));
  let out = s.name ?? '';
  if (ms.length > 0 || s.name === undefined) out += `{${ms.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(', ')}}`;
  return out;
}

function modifiers(s: VectorSelectorNode): string {
  let out = '';
  if (s.offsetSet) out += ` offset ${duration(s.offsetMs)}`;
  if (s.at) out += s.at.kind === 'time' ? ` @ ${s.at.ms / 1000}` : ` @ ${s.at.kind}()`;
  return out;
}

/** formatExpr renders `e` fully parenthesised. */
export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'number':
      return Number.isNaN(e.value) ? 'NaN' : e.value === Infinity ? '+Inf' : e.value === -Infinity ? '-Inf' : String(e.value);
    case 'string':
      return JSON.stringify(e.value);
    case 'vector':
      return selector(e) + modifiers(e);
    case 'matrix':
      return `${selector(e.selector)}[${duration(e.rangeMs)}]${modifiers(e.selector)}`;
    case 'paren':
      return `(${formatExpr(e.expr)})`;
    case 'unary':
      return `(${e.op}${formatExpr(e.expr)})`;
    case 'call':
      return `${e.name}(${e.args.map(formatExpr).join(', ')})`;
    case 'aggregate': {
      const grouping = e.without || e.grouping.length > 0 ? ` ${e.without ? 'without' : 'by'} (${e.grouping.join(', ')})` : '';
      const args = e.param ? `${formatExpr(e.param)}, ${formatExpr(e.expr)}` : formatExpr(e.expr);
      return `${e.op}${grouping} (${args})`;
    }
    case 'binary': {
      let mods = e.returnBool ? ' bool' : '';
      const m = e.matching;
      if (m && (m.on || m.labels.length > 0)) mods += ` ${m.on ? 'on' : 'ignoring'} (${m.labels.join(', ')})`;
      if (m && (m.card === 'many-to-one' || m.card === 'one-to-many')) {
        mods += ` ${m.card === 'many-to-one' ? 'group_left' : 'group_right'} (${m.include.join(', ')})`;
      }
      return `(${formatExpr(e.lhs)} ${e.op}${mods} ${formatExpr(e.rhs)})`;
    }
  }
}

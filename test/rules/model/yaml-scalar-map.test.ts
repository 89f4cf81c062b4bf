/**
 * scalarOffsets maps each character of a YAML scalar's value back to the file, for every scalar
 * style. Checked on hand-written cases and, as a property, on any string the `yaml` package
 * writes in each style: every mapped character is that character in the file (or the backslash
 * of its escape), offsets never go backwards, and only block scalars with an explicit indentation
 * indicator may be left unmapped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, LineCounter, Scalar, isMap, isScalar, parseDocument } from 'yaml';
import { indexOfPosition, scalarOffsets } from '../../../src/rules/yaml-scalar-map.ts';

function valueNode(text: string): Scalar {
  const doc = parseDocument(text, { lineCounter: new LineCounter() });
  expect(doc.errors).toEqual([]);
  const map = doc.contents;
  if (!isMap(map)) throw new Error('not a map');
  const node = map.items[0]?.value;
  if (!isScalar(node)) throw new Error('not a scalar');
  return node;
}

// check asserts the mapping invariants for the first value of `text`; returns whether it mapped.
function check(text: string): boolean {
  const node = valueNode(text);
  const value = String(node.source ?? node.value);
  const offsets = scalarOffsets(text, node);
  if (offsets === undefined) return false;
  expect(offsets).toHaveLength(value.length + 1);
  for (let i = 0; i < value.length; i++) {
    const at = offsets[i] as number;
    if (i > 0) expect(at).toBeGreaterThanOrEqual(offsets[i - 1] as number);
    const ch = value[i] as string;
    const src = text[at];
    // Folded line breaks map to the break; escapes map to their backslash.
    const ok = src === ch || src === '\\' || (/[ \n]/.test(ch) && /[\n\r ]/.test(src ?? '')) || (ch === "'" && src === "'");
    expect(ok, `value[${i}] ${JSON.stringify(ch)} mapped to ${JSON.stringify(src)} in ${JSON.stringify(text)}`).toBe(true);
  }
  return true;
}

describe('scalarOffsets', () => {
  it.each([
    ['plain', 'k: sum(up)  >  1\n', 'sum(up)  >  1', [3, 4, 5]],
    ['plain folded over lines', 'k: a\n  b\n\n  c\n', 'a b\nc', [3, 4, 7, 8, 12]],
    ['single-quoted', "k: 'it''s'\n", "it's", [4, 5, 6, 8]],
    ['double-quoted escapes', 'k: "a\\tb\\u00e9"\n', 'a\tb\u00e9', [4, 5, 7, 8]],
    ['literal', 'k: |\n  x\n   y\n', 'x\n y\n', [7, 8, 11, 12]],
    ['folded', 'k: >-\n  x\n  y\n', 'x y', [8, 9, 12]],
  ])('%s', (_, text, value, firstOffsets) => {
    const node = valueNode(text as string);
    expect(node.source ?? node.value).toBe(value);
    expect(scalarOffsets(text as string, node)?.slice(0, (firstOffsets as number[]).length)).toEqual(firstOffsets);
  });

  it('gives up (undefined) on an explicit indentation indicator rather than guess', () => {
    const text = 'k: |2\n    x\n';
    expect(scalarOffsets(text, valueNode(text))).toBeUndefined();
  });

  const styles = [Scalar.PLAIN, Scalar.QUOTE_SINGLE, Scalar.QUOTE_DOUBLE, Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED] as const;
  const chars = fc.constantFrom(...'ab (){}[]"\'\\#:-|>\t\né$~ '.split(''));

  it.each(styles)('maps any value the yaml package writes as %s', (style) => {
    let mapped = 0;
    fc.assert(
      fc.property(fc.array(chars, { minLength: 1, maxLength: 60 }).map((a) => a.join('')), fc.integer({ min: 0, max: 6 }), (value, depth) => {
        const doc = new Document({ k: value });
        const scalar = (doc.contents as unknown as { items: Array<{ value: Scalar }> }).items[0]?.value as Scalar;
        scalar.type = style;
        const indent = ' '.repeat(depth);
        // Nest the key under `depth` levels so indentation varies.
        let text = doc.toString({ lineWidth: 20, minContentWidth: 5 });
        if (depth > 0) text = `outer:\n${text.replace(/^/gm, `${indent} `).replace(/ +$/gm, '')}`;
        const parsed = parseDocument(text);
        if (parsed.errors.length > 0) return;
        let node: unknown = parsed.contents;
        if (depth > 0 && isMap(node)) node = node.items[0]?.value;
        if (!isMap(node)) return;
        const scalarNode = node.items[0]?.value;
        if (!isScalar(scalarNode)) return;
        const offsets = scalarOffsets(text, scalarNode);
        if (offsets === undefined) {
          // Only an explicit indentation indicator may defeat the mapping.
          expect(/[|>][-+]?\d/.test(text), JSON.stringify(text)).toBe(true);
          return;
        }
        mapped++;
        const v = String(scalarNode.source ?? scalarNode.value);
        expect(offsets).toHaveLength(v.length + 1);
        for (let i = 0; i < v.length; i++) {
          const at = offsets[i] as number;
          if (i > 0) expect(at).toBeGreaterThanOrEqual(offsets[i - 1] as number);
          const ch = v[i] as string;
          const src = text[at];
          const ok = src === ch || src === '\\' || (/[ \n\t]/.test(ch) && /[\n\r ]/.test(src ?? '')) || (ch === "'" && src === "'");
          expect(ok, `value[${i}] ${JSON.stringify(ch)} mapped to ${JSON.stringify(src)} in ${JSON.stringify(text)}`).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    expect(mapped).toBeGreaterThan(50);
  });

  it('the hand-written check helper agrees on mixed documents', () => {
    expect(check('k: "line one\n  line two\\\n  joined"\n')).toBe(true);
    expect(check("k: 'a\n\n  b'\n")).toBe(true);
  });
});

describe('indexOfPosition', () => {
  it.each([
    [1, 1, 0],
    [1, 4, 3],
    [2, 1, 6],
    [3, 2, 11],
    [9, 1, 12],
    [1, 99, 12],
  ])('line %i col %i is index %i of "abcde\\nfgh\\nij"', (line, col, index) => {
    expect(indexOfPosition('abcde\nfgh\nij', line, col)).toBe(index);
  });
});

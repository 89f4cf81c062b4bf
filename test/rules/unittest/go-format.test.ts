import { describe, expect, it } from 'vitest';
import {
  compareLabels,
  formatFloatE,
  formatGoDuration,
  formatLabels,
  formatModelDuration,
  goQuote,
} from '../../../src/rules/unittest/go-format.ts';

describe('formatFloatE (Go strconv.FormatFloat(v, E, -1, 64))', () => {
  it.each([
    [0, '0E+00'],
    [5, '5E+00'],
    [1.25, '1.25E+00'],
    [0.125, '1.25E-01'],
    [300, '3E+02'],
    [2e8, '2E+08'],
    [1.5e-10, '1.5E-10'],
    [1e100, '1E+100'],
    [-0.5, '-5E-01'],
    [0.1 + 0.2, '3.0000000000000004E-01'],
    [Number.NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('%s -> %s', (v, want) => {
    expect(formatFloatE(v)).toBe(want);
  });
});

describe('formatGoDuration (Go time.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [1000, '1s'],
    [60_000, '1m0s'],
    [90_000, '1m30s'],
    [90_500, '1m30.5s'],
    [3_600_000, '1h0m0s'],
    [3_661_000, '1h1m1s'],
    [25 * 3_600_000, '25h0m0s'],
  ])('%s ms -> %s', (ms, want) => {
    expect(formatGoDuration(ms)).toBe(want);
  });
});

describe('formatModelDuration (Prometheus model.Duration.String)', () => {
  it.each([
    [0, '0s'],
    [60_000, '1m'],
    [150_000, '2m30s'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
    [7 * 86_400_000, '1w'],
    [90 * 86_400_000, '90d'],
    [1500, '1s500ms'],
  ])('%s ms -> %s', (ms, want) => {
    expect(formatModelDuration(ms)).toBe(want);
  });
});

describe('labels as Go prints them', () => {
  it('sorts by name and quotes values with Go escapes', () => {
    expect(formatLabels({ b: 'x"y', a: 'tab\there', __name__: 'm' })).toBe('{__name__="m", a="tab\\there", b="x\\"y"}');
    expect(formatLabels({})).toBe('{}');
    expect(goQuote('é\u0001\\')).toBe('"é\\x01\\\\"');
  });

  it('compares pairwise, then shorter first', () => {
    expect(compareLabels({ a: '1' }, { a: '1' })).toBe(0);
    expect(compareLabels({ a: '1' }, { a: '2' })).toBeLessThan(0);
    expect(compareLabels({ a: '1' }, { a: '1', b: '0' })).toBeLessThan(0);
    expect(compareLabels({ b: '0' }, { a: '9', c: '0' })).toBeGreaterThan(0);
  });
});

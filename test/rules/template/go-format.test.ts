import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatGoFloatFmt } from '../../../src/rules/template/index.ts';
import { parseFloat as goParseFloat, quote, unquote } from '../../../src/rules/template/strconv.ts';

describe('formatGoFloat is Go %v for float64', () => {
  it.each([
    [2000000, '2e+06'],
    [0.1, '0.1'],
    [1e21, '1e+21'],
    [123456789, '1.23456789e+08'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [0, '0'],
    [-0, '-0'],
    [1e-7, '1e-07'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1 / 3, '0.3333333333333333'],
    [2.5, '2.5'],
    [-1234.5678, '-1234.5678'],
    [1e100, '1e+100'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
  ])('%s → %s', (v, want) => {
    expect(formatGoFloat(v)).toBe(want);
  });
});

describe('formatGoFloatFmt is strconv.FormatFloat, rounding half to even on the exact binary value', () => {
  it.each([
    [1.005, 'f', 2, '1.00'],
    [2.675, 'f', 2, '2.67'],
    [1.125, 'f', 2, '1.12'],
    [0.5, 'f', 0, '0'],
    [1.5, 'f', 0, '2'],
    [2.5, 'f', 0, '2'],
    [-0.5, 'f', 0, '-0'],
    [0.05, 'f', 1, '0.1'],
    [1234.5678, 'e', 3, '1.235e+03'],
    [1234567, 'g', 4, '1.235e+06'],
    [0.001234, 'g', 4, '0.001234'],
    [1.5, 'g', 4, '1.5'],
    [999.95, 'g', 4, '1000'],
    [1e21, 'e', -1, '1e+21'],
    [1e21, 'f', -1, '1000000000000000000000'],
    [0.1, 'f', 20, '0.10000000000000000555'],
    [1e-300, 'E', 2, '1.00E-300'],
    [1e-7, 'G', -1, '1E-07'],
    [0, 'e', 2, '0.00e+00'],
    [123456, 'g', 0, '1e+05'],
  ] as const)('%s %s %s → %s', (v, fmt, prec, want) => {
    expect(formatGoFloatFmt(v, fmt, prec)).toBe(want);
  });
});

describe('strconv.ParseFloat', () => {
  it.each([
    ['1', 1],
    ['1e3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['+.5e-3', 0.0005],
    ['1_000', 1000],
    ['0x1p4', 16],
    ['0x1.8p1', 3],
    ['1e-400', 0],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['+INF', Infinity],
  ])('%j → %s', (s, want) => {
    expect(goParseFloat(s)).toEqual({ value: want });
  });

  it('parses NaN', () => {
    expect(goParseFloat('nan').value).toBeNaN();
  });

  it.each(['', ' 1', 'abc', '1e', '0x', '0x1', '1__0', '_1', 'infin', '+nan', '1.2.3'])('%j is a syntax error', (s) => {
    expect(goParseFloat(s).err).toBe('syntax');
  });

  it.each([
    ['1e400', Infinity],
    ['-1e400', -Infinity],
  ])('%j is out of range', (s, value) => {
    expect(goParseFloat(s)).toEqual({ value, err: 'range' });
  });
});

describe('strconv.Quote and Unquote', () => {
  it.each([
    ['hi\n', '"hi\\n"'],
    ['a"b\\', '"a\\"b\\\\"'],
    ['é\u00a0\u0007', '"é\\u00a0\\a"'],
    ['\u{1F600}\u{E0001}', '"😀\\U000e0001"'],
  ])('quote(%j) = %s', (s, want) => {
    expect(quote(s)).toBe(want);
  });

  it.each([
    ['"\\x41\\u00e9\\U0001F600\\101"', 'Aé😀A'],
    ['`raw\\n`', 'raw\\n'],
    ["'x'", 'x'],
  ])('unquote(%s) = %j', (s, want) => {
    expect(unquote(s)).toBe(want);
  });

  it.each(['"\\z"', '"abc', "'ab'", '"\\400"'])('unquote(%s) is invalid syntax', (s) => {
    expect(() => unquote(s)).toThrow('invalid syntax');
  });
});

/**
 * The CLI's pure formatting pieces: progress bars, durations, times, percentages, result marks,
 * aligned tables, and colour only where it belongs.
 */
import { describe, expect, it } from 'vitest';
import {
  formatPercent,
  formatSeconds,
  formatTime,
  mark,
  painter,
  progressBar,
  progressLine,
  table,
  useColour,
  visibleLength,
} from '../../src/cli/format.ts';

const plain = painter(false);
const ESC = '\u001b[';

describe('progressBar', () => {
  it.each([
    [0, '[--------------------]'],
    [0.45, '[#########-----------]'],
    [0.5, '[##########----------]'],
    [0.999, '[###################-]'],
    [1, '[####################]'],
    [1.7, '[####################]'],
    [-1, '[--------------------]'],
  ])('draws %d as %s', (ratio, bar) => {
    expect(progressBar(ratio)).toBe(bar);
  });

  it('takes a width', () => {
    expect(progressBar(0.3, 10)).toBe('[###-------]');
  });
});

describe('progressLine', () => {
  it.each([
    [{ ratio: 0.45, done: 450, total: 1000, message: 'rows' }, '[#########-----------] 45% 450/1000 rows'],
    [{ ratio: null, done: 450, total: 1000, message: 'rows' }, '[#########-----------] 45% 450/1000 rows'],
    [{ ratio: 0.25, done: null, total: null, message: null }, '[#####---------------] 25%'],
    [{ ratio: null, done: 12, total: null, message: 'files' }, '12 files'],
    [{ ratio: null, done: null, total: null, message: 'warming up' }, 'warming up'],
    [{ ratio: null, done: 0, total: 0, message: null }, '0/0'],
    [{ ratio: 0.07, done: 7, total: 100, message: '' }, '[#-------------------] 7% 7/100'],
  ])('renders %j as %j', (progress, text) => {
    expect(progressLine(progress)).toBe(text);
  });

  it('is undefined when the run reported no progress', () => {
    expect(progressLine({ ratio: null, done: null, total: null, message: null })).toBeUndefined();
  });
});

describe('formatSeconds, formatTime, formatPercent', () => {
  it.each([
    [0.85, '850ms'],
    [12.34, '12.3s'],
    [245, '4m05s'],
    [7380, '2h03m'],
    [null, '-'],
  ])('formatSeconds(%j) is %s', (seconds, text) => {
    expect(formatSeconds(seconds)).toBe(text);
  });

  it.each([
    ['2026-01-02T03:04:05.678Z', '2026-01-02 03:04:05Z'],
    [null, '-'],
  ])('formatTime(%j) is %s', (time, text) => {
    expect(formatTime(time)).toBe(text);
  });

  it.each([
    [0.5, '50.0%'],
    [1 / 3, '33.3%'],
    [1, '100.0%'],
    [null, '-'],
  ])('formatPercent(%j) is %s', (ratio, text) => {
    expect(formatPercent(ratio)).toBe(text);
  });
});

describe('mark', () => {
  it.each([
    ['success', '✓'],
    ['failure', '✗'],
    ['error', '✗'],
    ['timeout', '✗'],
    ['cancellation', '⊘'],
    ['skip', '↷'],
    ['running', '▶'],
    ['executing', '▶'],
    ['not_started', '○'],
  ])('marks %s with %s', (word, sign) => {
    expect(mark(word, plain)).toBe(sign);
  });
});

describe('colour', () => {
  it('colours only when asked, and colour takes no room in a table', () => {
    const colour = painter(true);
    expect(mark('success', plain)).not.toContain(ESC);
    expect(mark('success', colour)).toBe(`${ESC}32m✓${ESC}0m`);
    expect(visibleLength(colour('abc', 'red'))).toBe(3);
    const text = table(['A', 'B'], [[colour('x', 'green'), '1'], ['long', '2']]);
    expect(text.split('\n').map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''))).toEqual(['A     B', 'x     1', 'long  2', '']);
  });

  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: true }, { NO_COLOR: '1' }, false],
    [{ isTTY: false }, {}, false],
    [{}, {}, false],
  ])('useColour(%j, %j) is %s', (stream, env, expected) => {
    expect(useColour(stream, env)).toBe(expected);
  });
});

describe('table', () => {
  it('aligns columns two spaces apart, right-aligning the ones asked, with no trailing blanks', () => {
    expect(table(['NAME', 'N', 'NOTE'], [['a', '1', ''], ['bbbb', '100', 'x']], new Set([1]))).toBe(
      ['NAME    N  NOTE', 'a       1', 'bbbb  100  x', ''].join('\n'),
    );
  });
});

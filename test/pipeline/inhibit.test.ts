/**
 * Inhibition, as Alertmanager's `inhibit` tests: a firing source mutes matching targets with the
 * same `equal` labels (absent on both sides counts as equal), a resolved source mutes nothing, and
 * an alert matching both sides never inhibits itself or others like it.
 */
import { describe, expect, it } from 'vitest';
import { Inhibitor } from '../../src/pipeline/inhibit.ts';
import type { InhibitRule } from '../../src/pipeline/types.ts';
import { alert, m, MINUTE, T0 } from './pipeline-fakes.ts';

const criticalSilencesWarnings: InhibitRule = { sourceMatchers: [m('severity="critical"')], targetMatchers: [m('severity="warning"')], equal: ['run_id'] };

describe('Inhibitor', () => {
  it.each([
    ['a CRITICAL on a run silences its WARNINGs', [{ severity: 'critical', run_id: 'r1', alertname: 'RunFailed' }], { severity: 'warning', run_id: 'r1', alertname: 'PhaseSlow' }, true],
    ['but not the WARNINGs of another run', [{ severity: 'critical', run_id: 'r1' }], { severity: 'warning', run_id: 'r2' }, false],
    ['nor other severities of the same run', [{ severity: 'critical', run_id: 'r1' }], { severity: 'info', run_id: 'r1' }, false],
    ['equal labels absent on both sides are equal', [{ severity: 'critical' }], { severity: 'warning' }, true],
    ['an equal label on one side only differs', [{ severity: 'critical', run_id: 'r1' }], { severity: 'warning' }, false],
    ['nothing firing inhibits nothing', [], { severity: 'warning', run_id: 'r1' }, false],
  ])('%s', (_name, sources, target, muted) => {
    const ih = new Inhibitor([criticalSilencesWarnings]);
    for (const s of sources) ih.put(alert(s));
    expect(ih.mutes(target, T0)).toBe(muted);
  });

  it('a resolved source stops inhibiting, and names the source while it does', () => {
    const ih = new Inhibitor([criticalSilencesWarnings]);
    const source = alert({ severity: 'critical', run_id: 'r1' }, T0, T0 + 10 * MINUTE);
    ih.put(source);
    expect(ih.mutedBy({ severity: 'warning', run_id: 'r1' }, T0 + MINUTE)).toBe(source.fingerprint);
    expect(ih.mutes({ severity: 'warning', run_id: 'r1' }, T0 + 10 * MINUTE)).toBe(false);
    ih.put({ ...source, endsAt: T0 + 2 * MINUTE });
    expect(ih.mutes({ severity: 'warning', run_id: 'r1' }, T0 + 3 * MINUTE)).toBe(false);
    ih.gc(T0 + 3 * MINUTE);
    expect(ih.mutes({ severity: 'warning', run_id: 'r1' }, T0 + MINUTE)).toBe(false);
  });

  it('an alert matching both sides does not inhibit itself, nor others matching both sides', () => {
    // Alertmanager's doc case: source and target both `alertname=~"Job.*"`.
    const rule: InhibitRule = { sourceMatchers: [m('alertname=~"Job.*"')], targetMatchers: [m('alertname=~"Job.*"')], equal: ['job'] };
    const ih = new Inhibitor([rule]);
    const a = { alertname: 'JobDown', job: 'etl' };
    const b = { alertname: 'JobSlow', job: 'etl' };
    ih.put(alert(a));
    expect(ih.mutes(a, T0)).toBe(false);
    ih.put(alert(b));
    expect(ih.mutes(a, T0)).toBe(false);
    expect(ih.mutes(b, T0)).toBe(false);
  });

  it('only a source matching the source side alone inhibits an alert matching both', () => {
    const rule: InhibitRule = { sourceMatchers: [m('team="data"')], targetMatchers: [m('severity="warning"')], equal: [] };
    const ih = new Inhibitor([rule]);
    ih.put(alert({ team: 'data', severity: 'warning', alertname: 'A' }));
    expect(ih.mutes({ team: 'data', severity: 'warning', alertname: 'B' }, T0)).toBe(false);
    expect(ih.mutes({ team: 'web', severity: 'warning', alertname: 'B' }, T0)).toBe(true);
    ih.put(alert({ team: 'data', severity: 'critical', alertname: 'C' }));
    expect(ih.mutes({ team: 'data', severity: 'warning', alertname: 'A' }, T0)).toBe(true);
  });
});

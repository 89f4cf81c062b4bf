import { describe, expect, it } from 'vitest';
import { CpuSampler, cpuTimes, memoryUtilization, parseCpuMax, ResourceProbe } from '../../src/health/resources.ts';
import type { HostPort } from '../../src/health/resources.ts';

function fakeHost(files: Record<string, string>, over: Partial<HostPort> = {}): HostPort {
  return {
    readText: async (path) => files[path],
    totalmem: () => 16e9,
    freemem: () => 4e9,
    hostCpu: () => ({ busyUs: 0, totalUs: 0 }),
    diskUsage: async () => 0.5,
    ...over,
  };
}

describe('memoryUtilization', () => {
  it.each([
    ['cgroup v2 limit: current over max', { '/cg/memory.max': '1000\n', '/cg/memory.current': '850\n' }, 0.85],
    ['no cgroup limit (max): the host', { '/cg/memory.max': 'max\n', '/cg/memory.current': '850\n' }, 0.75],
    ['no cgroup at all: the host', {}, 0.75],
    ['over the limit clamps to 1', { '/cg/memory.max': '1000', '/cg/memory.current': '1200' }, 1],
  ])('%s', async (_name, files, want) => {
    expect(await memoryUtilization(fakeHost(files), '/cg')).toBeCloseTo(want);
  });
});

describe('CPU', () => {
  it.each([
    ['200000 100000', 2],
    ['max 100000', undefined],
    ['', undefined],
    ['50000 100000', 0.5],
  ])('parseCpuMax(%j) = %s cores', (text, want) => {
    expect(parseCpuMax(text)).toBe(want);
  });

  it('under a cgroup quota: usage_usec delta over quota × wall time between collections', async () => {
    let usage = 0;
    const host = fakeHost({}, { readText: async (p) => (p.endsWith('cpu.max') ? '200000 100000' : p.endsWith('cpu.stat') ? `usage_usec ${usage}\nuser_usec 1\n` : undefined) });
    const sampler = new CpuSampler();
    expect(sampler.sample(await cpuTimes(host, '/cg'), 0)).toBeUndefined();
    usage = 1_500_000; // 1.5 CPU-seconds over 1 s of 2 cores
    expect(sampler.sample(await cpuTimes(host, '/cg'), 1000)).toBeCloseTo(0.75);
    usage = 1_600_000; // within the minimum window: the previous ratio
    expect(sampler.sample(await cpuTimes(host, '/cg'), 1500)).toBeCloseTo(0.75);
    usage = 1_700_000; // 0.2 CPU-s over 1 s of 2 cores since the baseline at 1000 ms
    expect(sampler.sample(await cpuTimes(host, '/cg'), 2000)).toBeCloseTo(0.1);
  });

  it('without a quota: host busy over total time, since boot at first, then between collections', async () => {
    let cpu = { busyUs: 100, totalUs: 400 };
    const host = fakeHost({}, { hostCpu: () => cpu });
    const sampler = new CpuSampler();
    expect(sampler.sample(await cpuTimes(host, '/cg'), 0)).toBeCloseTo(0.25);
    cpu = { busyUs: 900, totalUs: 1400 };
    expect(sampler.sample(await cpuTimes(host, '/cg'), 5000)).toBeCloseTo(0.8);
  });
});

describe('ResourceProbe', () => {
  it('reports disk usage of the data dir only when it has one, and leaves out what cannot be read', async () => {
    const host = fakeHost({}, { diskUsage: async () => 0.93, totalmem: () => 0 });
    expect(await new ResourceProbe({ host, cgroup: '/cg' }).read(0)).toEqual({});
    expect(await new ResourceProbe({ host, cgroup: '/cg', dataDir: '/data' }).read(0)).toEqual({ disk: 0.93 });
    const broken = fakeHost({}, { diskUsage: async () => Promise.reject(new Error('ENOENT')) });
    expect(await new ResourceProbe({ host: broken, cgroup: '/cg', dataDir: '/gone' }).read(0)).toEqual({ memory: 0.75 });
  });

  it('reads the real machine without throwing', async () => {
    const usage = await new ResourceProbe({ dataDir: process.cwd() }).read(Date.now());
    for (const v of [usage.memory, usage.disk]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

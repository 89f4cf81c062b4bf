import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

/**
 * The pod's resource usage as 0..1 ratios: memory and CPU against the cgroup v2 limits where the
 * sidecar runs under them (a container with `memory.max` / `cpu.max` set), else against the host;
 * disk usage of the data directory's filesystem. Read at each collection; reading sysfs is cheap.
 */

/** ResourceUsage holds ratios in 0..1; a field is absent when it cannot be known (yet). */
export interface ResourceUsage {
  memory?: number;
  cpu?: number;
  disk?: number;
}

/** CpuTimes is cumulative CPU time: `busyUs` used over `capacityUs` available, both in µs. */
export interface CpuTimes {
  busyUs: number;
  /** Cumulative capacity (host: all cores' total time); undefined when capacity is quota × wall time. */
  capacityUs: number | undefined;
  /** Cores the quota allows (cgroup `cpu.max`), when capacity comes from a quota. */
  quotaCores: number | undefined;
}

/** HostPort is what the probe reads; tests replace it. Every method MAY throw or return undefined. */
export interface HostPort {
  /** readText reads a small text file, or resolves undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  totalmem(): number;
  freemem(): number;
  /** hostCpu is the host's cumulative busy and total CPU time across all cores, in µs. */
  hostCpu(): { busyUs: number; totalUs: number };
  /** diskUsage is the used fraction of the filesystem holding `dir`. */
  diskUsage(dir: string): Promise<number>;
}

/** CGROUP is where cgroup v2 mounts its unified hierarchy in a container. */
export const CGROUP = '/sys/fs/cgroup';

/** NODE_HOST is the real machine. */
export const NODE_HOST: HostPort = {
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  totalmem,
  freemem,
  hostCpu() {
    let busy = 0;
    let total = 0;
    for (const { times } of cpus()) {
      const all = times.user + times.nice + times.sys + times.idle + times.irq;
      total += all;
      busy += all - times.idle;
    }
    return { busyUs: busy * 1000, totalUs: total * 1000 };
  },
  async diskUsage(dir) {
    const s = await statfs(dir);
    // As df computes Use%: blocks reserved for root count neither as used nor as available.
    const used = s.blocks - s.bfree;
    const denom = used + s.bavail;
    return denom > 0 ? used / denom : 0;
  },
};

/** memoryUtilization is cgroup v2 `memory.current / memory.max`, else `1 - free/total` of the host. */
export async function memoryUtilization(host: HostPort, cgroup = CGROUP): Promise<number | undefined> {
  const max = parseLimit(await host.readText(`${cgroup}/memory.max`));
  const current = Number((await host.readText(`${cgroup}/memory.current`))?.trim());
  if (max !== undefined && max > 0 && Number.isFinite(current)) return clamp01(current / max);
  const total = host.totalmem();
  return total > 0 ? clamp01(1 - host.freemem() / total) : undefined;
}

/** cpuTimes reads cgroup v2 `cpu.stat usage_usec` under a `cpu.max` quota, else the host's CPU times. */
export async function cpuTimes(host: HostPort, cgroup = CGROUP): Promise<CpuTimes> {
  const quota = parseCpuMax(await host.readText(`${cgroup}/cpu.max`));
  if (quota !== undefined) {
    const usage = /^usage_usec (\d+)$/m.exec((await host.readText(`${cgroup}/cpu.stat`)) ?? '')?.[1];
    if (usage !== undefined) return { busyUs: Number(usage), capacityUs: undefined, quotaCores: quota };
  }
  const { busyUs, totalUs } = host.hostCpu();
  return { busyUs, capacityUs: totalUs, quotaCores: undefined };
}

/** parseLimit reads `memory.max`: a byte count, or `max` (no limit: undefined). */
function parseLimit(text: string | undefined): number | undefined {
  const t = text?.trim();
  if (t === undefined || t === '' || t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** parseCpuMax reads `cpu.max` (`QUOTA PERIOD`, QUOTA `max` for none) as the cores it allows. */
export function parseCpuMax(text: string | undefined): number | undefined {
  const [quota, period] = (text ?? '').trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  return quota !== 'max' && Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : undefined;
}

/** MIN_CPU_WINDOW_MS is the shortest interval a CPU ratio is computed over; closer collections reuse the last. */
export const MIN_CPU_WINDOW_MS = 1000;

/**
 * CpuSampler turns cumulative CPU times into a utilization between two collections. The first
 * call takes the baseline (and answers the host's average since boot, or undefined under a cgroup
 * quota, whose usage has no known start); a call within MIN_CPU_WINDOW_MS of the baseline
 * returns the previous ratio, so several readers scraping together do not see noise.
 */
export class CpuSampler {
  #base: { times: CpuTimes; atMs: number } | undefined;
  #last: number | undefined;

  /** sample takes cumulative times read at `nowMs` and returns the utilization since the baseline. */
  sample(times: CpuTimes, nowMs: number): number | undefined {
    const base = this.#base;
    if (base === undefined || base.times.quotaCores !== times.quotaCores || times.busyUs < base.times.busyUs) {
      this.#base = { times, atMs: nowMs };
      // Host times are cumulative since boot: a usable first value until there is a window.
      if (this.#last === undefined && times.capacityUs !== undefined && times.capacityUs > 0) this.#last = clamp01(times.busyUs / times.capacityUs);
      return this.#last;
    }
    if (nowMs - base.atMs < MIN_CPU_WINDOW_MS) return this.#last;
    const busy = times.busyUs - base.times.busyUs;
    const capacity =
      times.quotaCores !== undefined ? (nowMs - base.atMs) * 1000 * times.quotaCores : (times.capacityUs ?? 0) - (base.times.capacityUs ?? 0);
    this.#base = { times, atMs: nowMs };
    if (capacity > 0) this.#last = clamp01(busy / capacity);
    return this.#last;
  }
}

/** ResourceProbe reads the pod's resources; keep one per reader (its CPU ratio is between its own reads). */
export class ResourceProbe {
  readonly #host: HostPort;
  readonly #dataDir: string | undefined;
  readonly #cgroup: string;
  readonly #cpu = new CpuSampler();

  constructor(opts: { host?: HostPort; dataDir?: string; cgroup?: string } = {}) {
    this.#host = opts.host ?? NODE_HOST;
    this.#dataDir = opts.dataDir;
    this.#cgroup = opts.cgroup ?? CGROUP;
  }

  /** read never throws: what cannot be read is left out. */
  async read(nowMs: number): Promise<ResourceUsage> {
    const out: ResourceUsage = {};
    const [memory, cpu, disk] = await Promise.allSettled([
      memoryUtilization(this.#host, this.#cgroup),
      cpuTimes(this.#host, this.#cgroup),
      this.#dataDir === undefined ? Promise.resolve(undefined) : this.#host.diskUsage(this.#dataDir),
    ]);
    if (memory.status === 'fulfilled' && memory.value !== undefined) out.memory = memory.value;
    if (cpu.status === 'fulfilled') {
      const ratio = this.#cpu.sample(cpu.value, nowMs);
      if (ratio !== undefined) out.cpu = ratio;
    }
    if (disk.status === 'fulfilled' && disk.value !== undefined) out.disk = clamp01(disk.value);
    return out;
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

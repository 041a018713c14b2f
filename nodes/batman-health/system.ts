// The health of the Pi itself, read from /proc and /sys: parsers of each file's text (pure, unit-tested
// with recorded contents) and a reader that reads the real files. A field whose file is absent or
// unreadable on this platform is left out, never faked.
import { execFile } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';

/** Jiffies from the `cpu ` line of /proc/stat: busy and total since boot. */
export interface CpuTimes {
  busy: number;
  total: number;
}

export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already counted in user.
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  return { busy: total - idleAll, total };
}

/** CPU use in % between two samples of /proc/stat, or undefined when no time passed between them. */
export function cpuPercent(before: CpuTimes, after: CpuTimes): number | undefined {
  const total = after.total - before.total;
  if (total <= 0) return undefined;
  const busy = Math.min(Math.max(after.busy - before.busy, 0), total);
  return round((busy / total) * 100, 1);
}

/** The 1-minute load average, the first field of /proc/loadavg. */
export function parseLoadavg(text: string): number | undefined {
  const load1 = Number(text.trim().split(/\s+/)[0]);
  return text.trim() && Number.isFinite(load1) ? load1 : undefined;
}

/** Memory in use, % of MemTotal: what is not available to new programs (MemAvailable, kernel >= 3.14). */
export function parseMeminfo(text: string): number | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get('MemTotal');
  if (!total) return undefined;
  const available =
    kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return round(((total - Math.min(available, total)) / total) * 100, 1);
}

/** Seconds since boot, the first field of /proc/uptime. */
export function parseUptime(text: string): number | undefined {
  const s = Number(text.trim().split(/\s+/)[0]);
  return text.trim() && Number.isFinite(s) ? Math.floor(s) : undefined;
}

/** A thermal zone's `temp` file: millidegrees Celsius. */
export function parseThermalTemp(text: string): number | undefined {
  const milli = Number(text.trim());
  return text.trim() && Number.isFinite(milli) ? round(milli / 1000, 1) : undefined;
}

export interface WifiSignal {
  iface: string;
  signalDbm?: number;
}

/**
 * Signal level of one interface (or the first one listed) from /proc/net/wireless. Drivers that report
 * dBm print the level as a negative number (with a trailing dot); a positive level is a relative scale,
 * not dBm, and is left out.
 */
export function parseWireless(text: string, iface?: string): WifiSignal | undefined {
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s+\S+\s+(-?[\d.]+)\s+(-?[\d.]+)/.exec(line);
    if (!m || (iface && m[1] !== iface)) continue;
    const level = Number(m[3].replace(/\.$/, ''));
    return Number.isFinite(level) && level < 0 && level > -256
      ? { iface: m[1], signalDbm: level }
      : { iface: m[1] };
  }
  return undefined;
}

/**
 * The throttling bits of the Pi firmware: `throttled=0x50005` from `vcgencmd get_throttled`, or the bare
 * hex number of /sys/devices/platform/soc/soc:firmware/get_throttled.
 */
export function parseThrottled(text: string): number | undefined {
  const m = /^(?:throttled=)?(?:0x)?([0-9a-f]+)$/i.exec(text.trim());
  return m ? parseInt(m[1], 16) : undefined;
}

/** Bits of get_throttled (Raspberry Pi firmware documentation). */
export const THROTTLE_BITS = {
  underVoltageNow: 1 << 0,
  freqCappedNow: 1 << 1,
  throttledNow: 1 << 2,
  softTempLimitNow: 1 << 3,
  underVoltageSinceBoot: 1 << 16,
  freqCappedSinceBoot: 1 << 17,
  throttledSinceBoot: 1 << 18,
  softTempLimitSinceBoot: 1 << 19,
} as const;

export function underVoltageNow(throttled: number): boolean {
  return (throttled & THROTTLE_BITS.underVoltageNow) !== 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** What one sample of the Pi gives; every field optional. */
export interface SystemSample {
  cpu?: number;
  load1?: number;
  memUsedPct?: number;
  tempC?: number;
  throttled?: number;
  uptimeS?: number;
  wifi?: WifiSignal;
}

export interface SystemReaderOptions {
  /** Root of /proc and /sys, for tests; `/` on a real machine. */
  root?: string;
  /** Wi-Fi interface in /proc/net/wireless; the first one listed when empty. */
  wifiIface?: string;
  /** Command that prints `throttled=0x...`, tried when the sysfs file is absent; empty to skip. */
  vcgencmd?: string;
  timeoutMs?: number;
}

const THROTTLED_SYSFS = 'sys/devices/platform/soc/soc:firmware/get_throttled';

/**
 * Reads the files of the real machine. CPU % needs two samples, so the reader keeps the previous
 * /proc/stat; the first sample (or two samples in the same jiffy) has no `cpu`.
 */
export class SystemReader {
  private previousCpu: CpuTimes | undefined;
  private vcgencmdMissing = false;
  private readonly running = new Set<AbortController>();
  private readonly root: string;

  constructor(private readonly options: SystemReaderOptions = {}) {
    this.root = options.root ?? '/';
  }

  /** Reads /proc/stat now, so the first sample has a CPU % over the time since. */
  async prime(): Promise<void> {
    const stat = await this.read('proc/stat');
    if (stat !== undefined) this.previousCpu = parseProcStat(stat);
  }

  async sample(): Promise<SystemSample> {
    const [stat, loadavg, meminfo, uptime, wireless, tempC, throttled] = await Promise.all([
      this.read('proc/stat'),
      this.read('proc/loadavg'),
      this.read('proc/meminfo'),
      this.read('proc/uptime'),
      this.read('proc/net/wireless'),
      this.temperature(),
      this.throttled(),
    ]);
    const out: SystemSample = {};
    const cpuNow = stat === undefined ? undefined : parseProcStat(stat);
    if (cpuNow && this.previousCpu) {
      const cpu = cpuPercent(this.previousCpu, cpuNow);
      if (cpu !== undefined) out.cpu = cpu;
    }
    if (cpuNow) this.previousCpu = cpuNow;
    const load1 = loadavg === undefined ? undefined : parseLoadavg(loadavg);
    if (load1 !== undefined) out.load1 = load1;
    const mem = meminfo === undefined ? undefined : parseMeminfo(meminfo);
    if (mem !== undefined) out.memUsedPct = mem;
    if (tempC !== undefined) out.tempC = tempC;
    if (throttled !== undefined) out.throttled = throttled;
    const up = uptime === undefined ? undefined : parseUptime(uptime);
    if (up !== undefined) out.uptimeS = up;
    const wifi =
      wireless === undefined ? undefined : parseWireless(wireless, this.options.wifiIface || undefined);
    if (wifi) out.wifi = wifi;
    return out;
  }

  /** The hottest thermal zone: on a Pi there is one (cpu-thermal); elsewhere the worst one matters. */
  private async temperature(): Promise<number | undefined> {
    const dir = path.join(this.root, 'sys/class/thermal');
    let zones: string[];
    try {
      zones = (await fs.readdir(dir)).filter((d) => d.startsWith('thermal_zone'));
    } catch {
      return undefined;
    }
    const temps = await Promise.all(
      zones.map(async (z) => {
        const text = await this.read(path.join('sys/class/thermal', z, 'temp'));
        return text === undefined ? undefined : parseThermalTemp(text);
      }),
    );
    const valid = temps.filter((t): t is number => t !== undefined);
    return valid.length > 0 ? Math.max(...valid) : undefined;
  }

  private async throttled(): Promise<number | undefined> {
    const sysfs = await this.read(THROTTLED_SYSFS);
    if (sysfs !== undefined) return parseThrottled(sysfs);
    const command = this.options.vcgencmd ?? 'vcgencmd';
    if (!command || this.vcgencmdMissing) return undefined;
    const controller = new AbortController();
    this.running.add(controller);
    return new Promise((resolve) => {
      execFile(
        command,
        ['get_throttled'],
        { timeout: this.options.timeoutMs ?? 5000, signal: controller.signal },
        (err, stdout) => {
          this.running.delete(controller);
          // Not a Pi (or no firmware tools): stop asking.
          if (err?.code === 'ENOENT') this.vcgencmdMissing = true;
          resolve(err ? undefined : parseThrottled(String(stdout)));
        },
      );
    });
  }

  /** Kills a vcgencmd still running (node closing). */
  abort(): void {
    for (const c of this.running) c.abort();
    this.running.clear();
  }

  private async read(rel: string): Promise<string | undefined> {
    try {
      return await fs.readFile(path.join(this.root, rel), 'utf8');
    } catch {
      return undefined;
    }
  }
}

// Alerts worth trusting: detection latency and false alerts of the geofence core on seeded simulated
// tracker output, for the default settings and two others. Used by geofence-alert.bench.ts (and the
// numbers are asserted in test/geofence-alert/evidence.test.ts).
import { Random } from '../nodes/kernel/random';
import { DEFAULT_OPTIONS, type FenceOptions } from '../nodes/geofence-alert/fence-options';
import { FenceOutput, Geofence } from '../nodes/geofence-alert/geofence';
import { noisyWalk, T0, yardAndPool, type WalkOptions } from '../test/geofence-alert/fixtures';
import type { Alert } from '../nodes/kernel/contract';

export const QUALITY_SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i * 7919);

export interface Noise {
  label: string;
  walk: WalkOptions;
}

/** Independent errors (an honest tracker at 1 position/s) and errors that wander (a smoothing one). */
export const NOISES: readonly Noise[] = [
  { label: '1 m, independent', walk: { accuracy: 1 } },
  { label: '1.5 m, independent', walk: { accuracy: 1.5 } },
  { label: '1 m, wandering', walk: { accuracy: 1, correlation: 0.8 } },
  { label: '1.5 m, wandering', walk: { accuracy: 1.5, correlation: 0.8 } },
];

function alertsOf(options: FenceOptions, walk: ReturnType<typeof noisyWalk>): Alert[] {
  const fence = new Geofence({ ...options, missingMs: 86400000 });
  fence.setSite(yardAndPool(), new FenceOutput());
  const alerts: Alert[] = [];
  for (const p of walk) {
    const out = new FenceOutput();
    fence.observe(p, out);
    alerts.push(...out.alerts);
  }
  return alerts;
}

export interface Latency {
  /** Seconds from the crossing to the alert, one per seed that was told (sorted). */
  seconds: number[];
  /** Seeds never told within the run. */
  missed: number;
  /** Alerts other than the expected one. */
  extra: number;
}

function latency(
  options: FenceOptions,
  noise: Noise,
  legs: ReadonlyArray<readonly [number, number, number]>,
  crossedAtS: number,
  expected: string,
): Latency {
  const seconds: number[] = [];
  let missed = 0;
  let extra = 0;
  for (const seed of QUALITY_SEEDS) {
    const walk = noisyWalk(new Random(seed), [10, 15], legs, noise.walk);
    const alerts = alertsOf(options, walk);
    const hit = alerts.find((a) => `${a.event}/${a.zone}` === expected);
    extra += alerts.filter((a) => a !== hit).length;
    if (hit) seconds.push((hit.ts - T0) / 1000 - crossedAtS);
    else missed++;
  }
  seconds.sort((a, b) => a - b);
  return { seconds, missed, extra };
}

/** A dog lies in the yard five minutes, trots into the pool (r 3 m at 5, 5) and lies there two minutes. */
export function poolEntry(options: FenceOptions, noise: Noise): Latency {
  // From (10, 15) to (5, 5): 11.2 m at 1 m/s, across the rim at 8.2 s.
  return latency(
    options,
    noise,
    [
      [10, 15, 300],
      [5, 5, 11.2],
      [5, 5, 120],
    ],
    300 + 8.2,
    'enter/pool',
  );
}

/** A dog walks out of the yard (east fence x = 20) at 1 m/s and on. */
export function walkOut(options: FenceOptions, noise: Noise): Latency {
  return latency(
    options,
    noise,
    [
      [10, 15, 60],
      [40, 15, 30], // crosses x = 20 at 70 s
      [40, 15, 60],
    ],
    70,
    'exit/yard',
  );
}

/** Alerts of dogs lying on the yard's fence line, one hour per seed (20 dog-hours). */
export function fenceSitter(options: FenceOptions, noise: Noise): number {
  let alerts = 0;
  for (const seed of QUALITY_SEEDS) {
    const walk = noisyWalk(
      new Random(seed),
      [10, 15],
      [
        [10, 15, 60],
        [20, 15, 10],
        [20, 15, 3600],
      ],
      noise.walk,
    );
    alerts += alertsOf(options, walk).length;
  }
  return alerts;
}

export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

export const SETTINGS: ReadonlyArray<{ label: string; options: FenceOptions }> = [
  { label: 'defaults', options: DEFAULT_OPTIONS },
  { label: 'stricter (pooled 99.9999 %)', options: { ...DEFAULT_OPTIONS, pooledConfidence: 0.999999 } },
  { label: 'looser (pooled 99.99 %)', options: { ...DEFAULT_OPTIONS, pooledConfidence: 0.9999 } },
  { label: 'pool 20 s', options: { ...DEFAULT_OPTIONS, poolMs: 20000 } },
  { label: 'K fixed at 9', options: { ...DEFAULT_OPTIONS, correlatedPositions: 9 } },
  { label: 'no pooling (before)', options: { ...DEFAULT_OPTIONS, poolMs: 0 } },
];

function cell(l: Latency): string {
  const p50 = percentile(l.seconds, 0.5);
  const p90 = percentile(l.seconds, 0.9);
  const f = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(0));
  const miss = l.missed > 0 ? ` ${l.missed} missed` : '';
  const extra = l.extra > 0 ? ` +${l.extra}` : '';
  return `${f(p50)}/${f(p90)} s${miss}${extra}`;
}

export function qualityTable(settings = SETTINGS, noises = NOISES): string[] {
  const lines: string[] = [];
  lines.push(
    '  detection latency p50/p90 over 20 seeds ("missed": never told in 2 min; "+n": other alerts),',
  );
  lines.push('  false alerts of a dog lying on the fence line: 20 dog-hours, and per dog-day');
  const head = ['settings', 'noise', 'pool entry', 'walk out', 'fence: 20 h', '/ dog-day'];
  const rows: string[][] = [head];
  for (const s of settings)
    for (const n of noises) {
      const falseAlerts = fenceSitter(s.options, n);
      rows.push([
        s.label,
        n.label,
        cell(poolEntry(s.options, n)),
        cell(walkOut(s.options, n)),
        String(falseAlerts),
        ((falseAlerts / 20) * 24).toFixed(1),
      ]);
    }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) lines.push('  ' + r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
  return lines;
}

if (require.main === module) for (const line of qualityTable()) console.log(line);

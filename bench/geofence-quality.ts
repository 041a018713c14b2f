// Alerts worth trusting: detection latency and false alerts of the geofence core on seeded simulated
// tracker output, for the default settings and two others. Used by geofence-alert.bench.ts (and the
// numbers are asserted in test/geofence-alert/evidence.test.ts).
import { Random } from '../nodes/kernel/random';
import { DEFAULT_OPTIONS, type FenceOptions } from '../nodes/geofence-alert/fence-options';
import { FenceOutput, Geofence } from '../nodes/geofence-alert/geofence';
import { noisyWalk, T0, yardAndPool, type WalkOptions } from '../test/geofence-alert/fixtures';
import type { Alert } from '../nodes/kernel/contract';
import { normalQuantile } from '../nodes/geofence-alert/normal-quantile';

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

/** Alerts of dogs lying at (x, y) in the yard, one hour per seed (20 dog-hours). */
function lyingAt(options: FenceOptions, noise: Noise, x: number, y: number): number {
  let alerts = 0;
  for (const seed of QUALITY_SEEDS) {
    const walk = noisyWalk(
      new Random(seed),
      [10, 15],
      [
        [10, 15, 60],
        [x, y, 10],
        [x, y, 3600],
      ],
      noise.walk,
    );
    alerts += alertsOf(options, walk).length;
  }
  return alerts;
}

/** Alerts of dogs lying on the yard's fence line (x = 20), one hour per seed (20 dog-hours). */
export function fenceSitter(options: FenceOptions, noise: Noise): number {
  return lyingAt(options, noise, 20, 15);
}

/** Alerts of dogs lying beside the pool, 1 m outside its edge (4 m from its centre), 20 dog-hours. */
export function poolSide(options: FenceOptions, noise: Noise): number {
  return lyingAt(options, noise, 9, 5);
}

/**
 * The earliest a pooled decision can tell a dog entering the r 3 m pool (seconds after it crossed the rim,
 * one position a second), whatever the seed: a pool of the positions since the crossing is never deeper
 * than the centre, 3 m, and must be z sigma_n deep, sigma_n the standard deviation of the best linear
 * estimate of a fixed point from n positions whose error is AR(1) (phi per position, sigma per axis):
 *   sigma_n^2 = sigma^2 (1 + phi) / ((n - 2)(1 - phi) + 2)   (n >= 2; sigma^2 for n = 1),
 * so n >= 2 + ((1 + phi) sigma^2 z^2 / r^2 - 2) / (1 - phi). Any pooling at this confidence is slower
 * (unless it underrates the correlation).
 */
export function poolEntryBound(confidence: number, noise: Noise, radius = 3, toCentreS = 0): number {
  const sigma = noise.walk.noise ?? noise.walk.accuracy ?? 1.5;
  const phi = noise.walk.correlation ?? 0;
  const z = normalQuantile(confidence);
  const need = (sigma * sigma * z * z) / (radius * radius);
  // The n-th position since the crossing comes within n s of it (one a second): at the soonest n - 1.
  if (need <= 1) return toCentreS;
  const n = Math.max(2, 2 + ((1 + phi) * need - 2) / (1 - phi));
  return toCentreS + Math.ceil(n) - 1;
}

/** The highest confidence at which the bound above is `seconds` (sigma_n at that n, 3 m deep). */
export function confidenceForBound(seconds: number, noise: Noise, radius = 3, toCentreS = 0): number {
  const sigma = noise.walk.noise ?? noise.walk.accuracy ?? 1.5;
  const phi = noise.walk.correlation ?? 0;
  const n = seconds + 1 - toCentreS;
  const sigmaN = n < 2 ? sigma : sigma * Math.sqrt((1 + phi) / ((n - 2) * (1 - phi) + 2));
  return normalCdf(radius / sigmaN);
}

/** The smallest circle (radius, m) whose centre the bound tells within `seconds` at `confidence`. */
export function radiusForBound(seconds: number, noise: Noise, confidence: number): number {
  const sigma = noise.walk.noise ?? noise.walk.accuracy ?? 1.5;
  const phi = noise.walk.correlation ?? 0;
  const n = seconds + 1;
  return normalQuantile(confidence) * sigma * Math.sqrt((1 + phi) / ((n - 2) * (1 - phi) + 2));
}

function normalCdf(z: number): number {
  // Abramowitz-Stegun 7.1.26 through erf: plenty for a table.
  const t = 1 / (1 + 0.3275911 * (z / Math.SQRT2));
  const erf =
    1 -
    t *
      (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
      Math.exp(-(z * z) / 2);
  return 0.5 * (1 + erf);
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
  lines.push(
    '  "bound": the earliest any pooled decision at that confidence can tell the pool entry (see poolEntryBound);',
  );
  lines.push(
    '  false alerts of a dog lying on the fence line, and beside the pool 1 m outside its edge: 20 dog-hours',
  );
  lines.push('  each; per dog-day of the two together');
  const head = [
    'settings',
    'noise',
    'pool entry',
    'bound',
    'walk out',
    'fence 20 h',
    'pool side 20 h',
    '/ dog-day',
  ];
  const rows: string[][] = [head];
  for (const s of settings)
    for (const n of noises) {
      const fence = fenceSitter(s.options, n);
      const side = poolSide(s.options, n);
      rows.push([
        s.label,
        n.label,
        cell(poolEntry(s.options, n)),
        s.options.poolMs > 0 ? `${poolEntryBound(s.options.pooledConfidence, n)} s` : '-',
        cell(walkOut(s.options, n)),
        String(fence),
        String(side),
        (((fence + side) / 40) * 24).toFixed(1),
      ]);
    }
  const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) lines.push('  ' + r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  '));
  lines.push('  pooled confidence at which the bound is 20 s (a lower one would be needed to meet it):');
  lines.push(
    '  ' +
      noises
        .map((n) => {
          const c = confidenceForBound(20, n);
          return `${n.label} ${c >= 0.999999 ? '>= 99.9999' : (c * 100).toFixed(4)} %`;
        })
        .join('; '),
  );
  lines.push('  smallest circle whose centre the bound tells within 20 s at the default pooled confidence:');
  lines.push(
    '  ' +
      noises
        .map((n) => `${n.label} r ${radiusForBound(20, n, DEFAULT_OPTIONS.pooledConfidence).toFixed(1)} m`)
        .join('; '),
  );
  return lines;
}

if (require.main === module) for (const line of qualityTable()) console.log(line);

// Readings a collar held at a spot would give, from the path-loss model with a known truth: the unit test
// of the walk's fit and its Chromium test generate them the same way.
import { distance3d, expectedRssi } from '../../nodes/kernel/path-loss';
import { Random } from '../../nodes/kernel/random';
import type { Site } from '../../nodes/kernel/site-document';
import type { WalkReading } from '../../nodes/tracker-site/calibration-walk';

export interface RadioTruth {
  rssiAt1m: number;
  /** Per scanner id; a scanner not named has 0. */
  offsets: Record<string, number>;
  /** dB of Gaussian noise per packet. */
  sigma: number;
  /** Share of packets off by 8-20 dB (a body, a reflection). */
  outliers: number;
}

/** `perScanner` packets from every scanner at (x, y), one every `stepMs` from `ts0`, scanners interleaved. */
export function spotReadings(
  site: Site,
  mac: string,
  truth: RadioTruth,
  at: { x: number; y: number; tagHeight: number },
  ts0: number,
  perScanner: number,
  stepMs: number,
  random: Random,
): WalkReading[] {
  const out: WalkReading[] = [];
  for (let k = 0; k < perScanner; k++)
    for (const s of site.scanners) {
      const d = distance3d(at.x, at.y, at.tagHeight, s.x, s.y, s.z);
      let rssi = expectedRssi(d, {
        rssiAt1m: truth.rssiAt1m,
        pathLossExponent: s.pathLossExponent,
        rssiOffset: truth.offsets[s.id] ?? 0,
      });
      rssi += truth.sigma * random.normal();
      if (random.next() < truth.outliers) rssi -= random.uniform(8, 20);
      out.push({ mac, scanner: s.id, rssi: Math.round(rssi), ts: ts0 + k * stepMs });
    }
  return out;
}

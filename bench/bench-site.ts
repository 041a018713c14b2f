// The site the flows and runtime benches share: a 20 x 30 m yard, 6 scanners, `dogs` collars.
import { validateSite, type Site } from '../nodes/kernel/site-document';
import { LAYOUTS } from './trilaterate-cases';

/** The trilaterate benches' yard (one layout table, bench/trilaterate-cases.ts). */
export const BENCH_SCANNERS: Array<[string, number, number]> = LAYOUTS.yard.scanners.map(([id, x, y]) => [
  id,
  x,
  y,
]);

/** 4 advertisements per second per collar: what beacon-scan lets through (SCAN_MAX_PER_SECOND 4). */
export const ADV_INTERVAL_MS = 245;

export function siteWith(dogs: number): Site {
  const result = validateSite({
    name: 'bench yard',
    origin: { lat: 52.0907, lon: 5.1214, rotationDeg: 0 },
    defaults: { rssiAt1m: -59, pathLossExponent: 2.2, tagHeight: 0.5 },
    scanners: LAYOUTS.yard.scanners.map(([id, x, y, z]) => ({ id, x, y, z })),
    dogs: Array.from({ length: dogs }, (_, i) => ({
      id: `dog${i}`,
      beacon: `ac:23:3f:a3:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
    })),
    zones: [
      {
        id: 'yard',
        kind: 'safe',
        polygon: [
          [-2, -2],
          [22, -2],
          [22, 32],
          [-2, 32],
        ],
      },
    ],
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.site;
}

// What the Plan editor checks beyond the site document's own validation, and the problems of both as
// field-level items the editor can put on the map. Pure: no Node-RED here.
import { expectedRssi, distance3d } from '../kernel/path-loss';
import { parseSite, type Site, type Zone } from '../kernel/site-document';

/** Weakest RSSI a scanner decodes (as the simulator's receivers), dBm. */
export const SENSITIVITY_DBM = -98;

export interface PlanProblem {
  level: 'error' | 'warning';
  /** The list and index the problem is about (`zones`, 1), when its message names one. */
  list?: string;
  index?: number;
  message: string;
}

export interface PlanCheck {
  ok: boolean;
  errors: string[];
  warnings: string[];
  problems: PlanProblem[];
  site?: Site;
}

/** Validates like the runtime, then adds: polygons that cross themselves (errors), zones no scanner hears. */
export function checkPlan(text: string): PlanCheck {
  const result = parseSite(text);
  const errors = result.ok ? [] : [...result.errors];
  const warnings = result.ok ? [...result.warnings] : [];
  if (result.ok) {
    result.site.zones.forEach((z, i) => {
      const crossing = z.shape === 'polygon' ? selfCrossing(z.polygon) : undefined;
      if (crossing)
        errors.push(`zones[${i}].polygon crosses itself (edge ${crossing[0]} crosses edge ${crossing[1]})`);
      if (result.site.scanners.length > 0 && !heardAnywhere(result.site, z))
        warnings.push(
          `zones[${i}] "${z.id}" is outside every scanner's reach: no position can be computed there`,
        );
    });
  }
  const problems = [...errors.map((m) => problem('error', m)), ...warnings.map((m) => problem('warning', m))];
  return {
    ok: errors.length === 0,
    errors,
    warnings,
    problems,
    ...(result.ok && errors.length === 0 ? { site: result.site } : {}),
  };
}

function problem(level: 'error' | 'warning', message: string): PlanProblem {
  const m = /^(scanners|dogs|zones)\[(\d+)\]/.exec(message);
  return m ? { level, list: m[1], index: Number(m[2]), message } : { level, message };
}

/** The first pair of non-adjacent edges (i: from point i to i+1) that intersect, or undefined. */
export function selfCrossing(points: ReadonlyArray<readonly [number, number]>): [number, number] | undefined {
  const n = points.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Adjacent edges share a point; the last edge is adjacent to the first.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsCross(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n])) return [i, j];
    }
  }
  return undefined;
}

type P = readonly [number, number];

function orient(a: P, b: P, c: P): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: P, b: P, p: P): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

function segmentsCross(a: P, b: P, c: P, d: P): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
  // Touching counts: a vertex on another edge makes the outline ambiguous too.
  return (
    (o1 === 0 && onSegment(a, b, c)) ||
    (o2 === 0 && onSegment(a, b, d)) ||
    (o3 === 0 && onSegment(c, d, a)) ||
    (o4 === 0 && onSegment(c, d, b))
  );
}

/** True when some scanner hears a collar at some vertex (or the centre, or the rim) of the zone. */
function heardAnywhere(site: Site, zone: Zone): boolean {
  const spots: Array<readonly [number, number]> =
    zone.shape === 'polygon'
      ? [...zone.polygon]
      : [
          [zone.circle.x, zone.circle.y],
          [zone.circle.x + zone.circle.r, zone.circle.y],
          [zone.circle.x - zone.circle.r, zone.circle.y],
          [zone.circle.x, zone.circle.y + zone.circle.r],
          [zone.circle.x, zone.circle.y - zone.circle.r],
        ];
  const h = site.defaults.tagHeight;
  return site.scanners.some((s) =>
    spots.some(
      ([x, y]) =>
        expectedRssi(distance3d(x, y, h, s.x, s.y, s.z), {
          rssiAt1m: site.defaults.rssiAt1m,
          pathLossExponent: s.pathLossExponent,
          rssiOffset: s.rssiOffset,
        }) >= SENSITIVITY_DBM,
    ),
  );
}

// What the Plan editor checks beyond the site document's own validation, and the problems of both as
// field-level items the editor can put on the map. Pure: no Node-RED here.
import { expectedRssi, distance3d } from '../kernel/path-loss';
import { parseSite, type Site, type Zone } from '../kernel/site-document';

// The site's validation refuses crossing outlines itself (kernel/polygon-crossing.ts).
export { selfCrossing } from '../kernel/polygon-crossing';

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

/** Validates like the runtime, then adds: zones no scanner hears (warnings). */
export function checkPlan(text: string): PlanCheck {
  const result = parseSite(text);
  const errors = result.ok ? [] : [...result.errors];
  const warnings = result.ok ? [...result.warnings] : [];
  if (result.ok) {
    result.site.zones.forEach((z, i) => {
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

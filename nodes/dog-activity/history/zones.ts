// Time in zones and a heatmap from a dog's track (positions in site metres) and the site's zones.
// Each point stands for the time until the next one, capped at `gapMs` (a gap in the data is no stay).
import type { Site, Zone } from '../../kernel/site-document';
import type { TrackPoint } from './queries';

export interface ZoneTime {
  zone: string;
  name: string;
  kind: string;
  minutes: number;
  entries: number;
  longestStayMin: number;
}

export function inZone(zone: Zone, x: number, y: number): boolean {
  if (zone.shape === 'circle') return Math.hypot(x - zone.circle.x, y - zone.circle.y) <= zone.circle.r;
  // Even-odd ray casting.
  let inside = false;
  const p = zone.polygon;
  for (let i = 0, j = p.length - 1; i < p.length; j = i++) {
    const [xi, yi] = p[i];
    const [xj, yj] = p[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Minutes in each zone (for this dog), entries (an outside-to-inside step, or the first point inside), longest stay. */
export function timeInZones(
  track: readonly TrackPoint[],
  site: Pick<Site, 'zones'>,
  dog: string,
  gapMs = 120_000,
): ZoneTime[] {
  const zones = site.zones.filter((z) => !z.dogs || z.dogs.includes(dog));
  return zones.map((zone) => {
    let ms = 0;
    let entries = 0;
    let stay = 0;
    let longest = 0;
    let wasInside = false;
    for (let i = 0; i < track.length; i++) {
      const p = track[i];
      const inside = inZone(zone, p.x, p.y);
      const next = track[i + 1];
      const gap = next ? next.ts - p.ts : 0;
      const dt = gap > 0 && gap <= gapMs ? gap : 0;
      if (inside) {
        if (!wasInside) {
          entries++;
          stay = 0;
        }
        ms += dt;
        stay += dt;
        longest = Math.max(longest, stay);
      }
      // A gap ends a stay: the dog may have left unseen.
      wasInside = inside && (next === undefined || gap <= gapMs);
    }
    const min = (v: number): number => Math.round((v / 60_000) * 10) / 10;
    return {
      zone: zone.id,
      name: zone.name,
      kind: zone.kind,
      minutes: min(ms),
      entries,
      longestStayMin: min(longest),
    };
  });
}

export interface Heatmap {
  minX: number;
  minY: number;
  cellM: number;
  cols: number;
  rows: number;
  /** Seconds spent in each cell, row-major from (minX, minY). */
  seconds: number[];
}

type Box = { minX: number; minY: number; maxX: number; maxY: number };

/** The plan's box grown to hold every finite point of the track: a dog that left the plan is still drawn. */
function coverTrack(box: Box, track: readonly TrackPoint[]): Box {
  let { minX, minY, maxX, maxY } = box;
  for (const p of track) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    if (p.x < minX) minX = p.x;
    if (p.x > maxX) maxX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.y > maxY) maxY = p.y;
  }
  return { minX, minY, maxX, maxY };
}

/**
 * Seconds per cell over the plan's box and the track's extent (at most 200 x 200 cells: a coarser cell for a
 * large site or a track that went far off the plan).
 */
export function heatmap(track: readonly TrackPoint[], plan: Box, cellM = 1, gapMs = 120_000): Heatmap {
  const box = coverTrack(plan, track);
  const w = Math.max(box.maxX - box.minX, 1e-6);
  const h = Math.max(box.maxY - box.minY, 1e-6);
  const cell = Math.max(cellM, w / 200, h / 200);
  const cols = Math.max(1, Math.ceil(w / cell));
  const rows = Math.max(1, Math.ceil(h / cell));
  const seconds = new Array<number>(cols * rows).fill(0);
  for (let i = 0; i + 1 < track.length; i++) {
    const p = track[i];
    const gap = track[i + 1].ts - p.ts;
    if (!(gap > 0 && gap <= gapMs)) continue;
    // A point on the far edge belongs to the last cell; a non-finite one to none.
    const c = Math.min(cols - 1, Math.floor((p.x - box.minX) / cell));
    const r = Math.min(rows - 1, Math.floor((p.y - box.minY) / cell));
    if (!(c >= 0 && r >= 0)) continue;
    seconds[r * cols + c] += gap / 1000;
  }
  return {
    minX: box.minX,
    minY: box.minY,
    cellM: cell,
    cols,
    rows,
    seconds: seconds.map((s) => Math.round(s * 10) / 10),
  };
}

// Whether a polygon's outline crosses itself. Pure. A sweep over the edges sorted by their left end
// compares only edges whose boxes overlap: near n log n for drawn outlines, and bounded by the site's
// vertex caps (SITE_LIMITS) for a hostile zig-zag whose every edge spans the whole polygon.
export type XY = readonly [number, number];

/** The first pair found of non-adjacent edges (edge i: from point i to i+1) that meet, or undefined. */
export function selfCrossing(points: readonly XY[]): [number, number] | undefined {
  const n = points.length;
  if (n < 4) return undefined;
  const minX = new Float64Array(n);
  const maxX = new Float64Array(n);
  const minY = new Float64Array(n);
  const maxY = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = at(points, i);
    const b = at(points, (i + 1) % n);
    minX[i] = Math.min(a[0], b[0]);
    maxX[i] = Math.max(a[0], b[0]);
    minY[i] = Math.min(a[1], b[1]);
    maxY[i] = Math.max(a[1], b[1]);
  }
  const order = Array.from({ length: n }, (_v, i) => i).sort((i, j) => (minX[i] ?? 0) - (minX[j] ?? 0));
  for (let k = 0; k < n; k++) {
    const i = order[k] ?? 0;
    const right = maxX[i] ?? 0;
    for (let m = k + 1; m < n; m++) {
      const j = order[m] ?? 0;
      if ((minX[j] ?? 0) > right) break;
      if ((minY[j] ?? 0) > (maxY[i] ?? 0) || (minY[i] ?? 0) > (maxY[j] ?? 0)) continue;
      // Adjacent edges share a point; the last edge is adjacent to the first.
      const lo = Math.min(i, j);
      const hi = Math.max(i, j);
      if (hi === lo + 1 || (lo === 0 && hi === n - 1)) continue;
      if (segmentsMeet(at(points, lo), at(points, (lo + 1) % n), at(points, hi), at(points, (hi + 1) % n)))
        return [lo, hi];
    }
  }
  return undefined;
}

function at(points: readonly XY[], i: number): XY {
  return points[i] ?? ORIGIN;
}
const ORIGIN: XY = [0, 0];

function orient(a: XY, b: XY, c: XY): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: XY, b: XY, p: XY): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

function segmentsMeet(a: XY, b: XY, c: XY, d: XY): boolean {
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

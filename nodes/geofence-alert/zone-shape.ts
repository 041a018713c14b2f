// Zone shapes compiled for fast signed distances: negative inside, positive outside, in metres.
// Pure: no Node-RED here.
import { BoundsBuilder } from '../kernel/geo';
import type { Point, Zone } from '../kernel/site-document';

/** Where a point lies relative to a zone's boundary. */
export interface BoundaryDistance {
  /** Signed distance to the boundary in metres: negative inside, positive outside. */
  d: number;
  /** Unit vector across the boundary at the nearest boundary point (0, 0 when the point is on it). */
  nx: number;
  ny: number;
}

export interface ZoneShape {
  /** Lower bound of the distance from (x, y) to the zone, 0 when the point may be inside: a cheap reject. */
  outsideBound(x: number, y: number): number;
  /** Signed distance and boundary normal at (x, y), written into `out` (no allocation on the hot path). */
  measure(x: number, y: number, out: BoundaryDistance): void;
}

export function compileShape(zone: Zone): ZoneShape {
  return zone.shape === 'circle'
    ? new CircleShape(zone.circle.x, zone.circle.y, zone.circle.r)
    : new PolygonShape(zone.polygon);
}

class CircleShape implements ZoneShape {
  constructor(
    private readonly cx: number,
    private readonly cy: number,
    private readonly r: number,
  ) {}

  outsideBound(x: number, y: number): number {
    return Math.max(0, Math.hypot(x - this.cx, y - this.cy) - this.r);
  }

  measure(x: number, y: number, out: BoundaryDistance): void {
    const dx = x - this.cx;
    const dy = y - this.cy;
    const dist = Math.hypot(dx, dy);
    out.d = dist - this.r;
    if (dist > 0) {
      out.nx = dx / dist;
      out.ny = dy / dist;
    } else {
      // The centre: every direction is across the boundary; any unit vector will do.
      out.nx = 1;
      out.ny = 0;
    }
  }
}

/** Any simple polygon, concave too; the even-odd rule decides inside. */
class PolygonShape implements ZoneShape {
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly minX: number;
  private readonly maxX: number;
  private readonly minY: number;
  private readonly maxY: number;

  constructor(points: readonly Point[]) {
    this.xs = Float64Array.from(points, (p) => p[0]);
    this.ys = Float64Array.from(points, (p) => p[1]);
    const box = new BoundsBuilder();
    for (const [x, y] of points) box.include(x, y);
    ({
      minX: this.minX,
      maxX: this.maxX,
      minY: this.minY,
      maxY: this.maxY,
    } = box.bounds({
      minX: 0,
      minY: 0,
      maxX: 0,
      maxY: 0,
    }));
  }

  outsideBound(x: number, y: number): number {
    const dx = Math.max(this.minX - x, 0, x - this.maxX);
    const dy = Math.max(this.minY - y, 0, y - this.maxY);
    return dx === 0 ? dy : dy === 0 ? dx : Math.hypot(dx, dy);
  }

  measure(x: number, y: number, out: BoundaryDistance): void {
    const { xs, ys } = this;
    const n = xs.length;
    let inside = false;
    let best = Infinity;
    let qx = x;
    let qy = y;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const ax = xs[j];
      const ay = ys[j];
      const bx = xs[i];
      const by = ys[i];
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
      // Nearest point of segment a-b to (x, y).
      const ex = bx - ax;
      const ey = by - ay;
      const len2 = ex * ex + ey * ey;
      let t = len2 > 0 ? ((x - ax) * ex + (y - ay) * ey) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const px = ax + t * ex;
      const py = ay + t * ey;
      const dist2 = (x - px) * (x - px) + (y - py) * (y - py);
      if (dist2 < best) {
        best = dist2;
        qx = px;
        qy = py;
      }
    }
    const dist = Math.sqrt(best);
    out.d = inside && dist > 0 ? -dist : dist;
    if (dist > 0) {
      out.nx = (x - qx) / dist;
      out.ny = (y - qy) / dist;
    } else {
      out.nx = 0;
      out.ny = 0;
    }
  }
}

// Local site metres <-> WGS84 latitude/longitude.
// A site spans at most a few kilometres, so a local tangent plane at the origin is exact to centimetres:
// metres per degree come from the WGS84 ellipsoid's radii of curvature at the origin's latitude.
import type { Origin } from './site-document';

const WGS84_A = 6378137; // semi-major axis, m
const WGS84_E2 = 6.69437999014e-3; // first eccentricity squared
const DEG = Math.PI / 180;

export interface LatLon {
  lat: number;
  lon: number;
}

export interface LocalPoint {
  x: number;
  y: number;
}

export class LocalFrame {
  private readonly metresPerDegLat: number;
  private readonly metresPerDegLon: number;
  private readonly cos: number;
  private readonly sin: number;

  constructor(private readonly origin: Origin) {
    const phi = origin.lat * DEG;
    const w = 1 - WGS84_E2 * Math.sin(phi) ** 2;
    const meridianRadius = (WGS84_A * (1 - WGS84_E2)) / w ** 1.5;
    const primeVerticalRadius = WGS84_A / Math.sqrt(w);
    this.metresPerDegLat = meridianRadius * DEG;
    this.metresPerDegLon = primeVerticalRadius * Math.cos(phi) * DEG;
    // rotationDeg is the compass bearing of the plan's +y axis (clockwise from north).
    this.cos = Math.cos(origin.rotationDeg * DEG);
    this.sin = Math.sin(origin.rotationDeg * DEG);
  }

  toWgs84(x: number, y: number): LatLon {
    const east = x * this.cos + y * this.sin;
    const north = -x * this.sin + y * this.cos;
    return {
      lat: this.origin.lat + north / this.metresPerDegLat,
      lon: this.origin.lon + east / this.metresPerDegLon,
    };
  }

  fromWgs84(lat: number, lon: number): LocalPoint {
    const north = (lat - this.origin.lat) * this.metresPerDegLat;
    const east = (lon - this.origin.lon) * this.metresPerDegLon;
    return { x: east * this.cos - north * this.sin, y: east * this.sin + north * this.cos };
  }
}

/** An axis-aligned box in local metres. */
export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/**
 * Grows a bounding box point by point: a loop, never `Math.min(...points)`, which overflows the call stack
 * on a large array.
 */
export class BoundsBuilder {
  minX = Infinity;
  minY = Infinity;
  maxX = -Infinity;
  maxY = -Infinity;

  get empty(): boolean {
    return this.minX > this.maxX;
  }

  include(x: number, y: number): this {
    if (x < this.minX) this.minX = x;
    if (x > this.maxX) this.maxX = x;
    if (y < this.minY) this.minY = y;
    if (y > this.maxY) this.maxY = y;
    return this;
  }

  /** The box, or `fallback` when no point was included. */
  bounds(fallback: Bounds): Bounds {
    return this.empty
      ? { ...fallback }
      : { minX: this.minX, minY: this.minY, maxX: this.maxX, maxY: this.maxY };
  }
}

/** Plan metres differing from map metres by more than this fraction earn a warning. */
export const SCALE_TOLERANCE = 0.1;

export interface TwoPointFit {
  origin: Origin;
  /** Distance between the two points on the plan, m. */
  planDistanceM: number;
  /** Distance between the two points on the map, m. */
  mapDistanceM: number;
  /** mapDistanceM / planDistanceM: 1 when plan and map agree. */
  scale: number;
  /** Set when the two distances differ by more than SCALE_TOLERANCE (one of the four points is off). */
  warning?: string;
}

/**
 * The origin and rotation that put two plan points (metres) on two map points (lat/lon): the rotation from
 * the two directions, the origin so both points sit on their map points as nearly as they can (the midpoint
 * error is zero; with a scale mismatch each end is off by half the difference). Throws when the two points
 * of either pair are less than 1 m apart (no direction to fit).
 */
export function originFromTwoPoints(plan: [LocalPoint, LocalPoint], map: [LatLon, LatLon]): TwoPointFit {
  for (const p of [...plan, ...map.map((g) => ({ x: g.lon, y: g.lat }))])
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new Error('a point is not a finite number');
  const dx = plan[1].x - plan[0].x;
  const dy = plan[1].y - plan[0].y;
  const planDistanceM = Math.hypot(dx, dy);
  if (planDistanceM < 1) throw new Error('the two plan points are less than 1 m apart');
  // East/north metres of the second map point from the first, on a tangent plane at their midpoint.
  const mid = { lat: (map[0].lat + map[1].lat) / 2, lon: (map[0].lon + map[1].lon) / 2 };
  const north0 = new LocalFrame({ ...mid, rotationDeg: 0 });
  const a = north0.fromWgs84(map[0].lat, map[0].lon);
  const b = north0.fromWgs84(map[1].lat, map[1].lon);
  const mapDistanceM = Math.hypot(b.x - a.x, b.y - a.y);
  if (mapDistanceM < 1) throw new Error('the two map points are less than 1 m apart');
  // Bearings clockwise from +y (plan) and from north (map); their difference is the plan's rotation.
  const bearingPlan = Math.atan2(dx, dy);
  const bearingMap = Math.atan2(b.x - a.x, b.y - a.y);
  let rotationDeg = ((bearingMap - bearingPlan) / DEG) % 360;
  if (rotationDeg < 0) rotationDeg += 360;
  // The plan's origin: from the midpoint of the map points, back by the plan midpoint rotated onto the map.
  // Refined twice on a tangent plane at the estimate so the result is exact to millimetres.
  const planMid = { x: (plan[0].x + plan[1].x) / 2, y: (plan[0].y + plan[1].y) / 2 };
  let origin: Origin = { ...mid, rotationDeg };
  for (let i = 0; i < 3; i++) {
    const frame = new LocalFrame(origin);
    const p0 = frame.fromWgs84(map[0].lat, map[0].lon);
    const p1 = frame.fromWgs84(map[1].lat, map[1].lon);
    const errX = (p0.x + p1.x) / 2 - planMid.x;
    const errY = (p0.y + p1.y) / 2 - planMid.y;
    // Moving the origin to the plan point (errX, errY) takes the error off every point.
    const moved = frame.toWgs84(errX, errY);
    origin = { lat: moved.lat, lon: moved.lon, rotationDeg };
  }
  const scale = mapDistanceM / planDistanceM;
  const fit: TwoPointFit = { origin, planDistanceM, mapDistanceM, scale };
  if (Math.abs(scale - 1) > SCALE_TOLERANCE)
    fit.warning = `the points are ${planDistanceM.toFixed(1)} m apart on the plan but ${mapDistanceM.toFixed(1)} m on the map (${Math.round(Math.abs(scale - 1) * 100)} % off): check the four points`;
  return fit;
}

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

// One position fix from the RSSI a dog's collar gave at several scanners in one window. Pure: no Node-RED.
//
// Maximum likelihood in the RSSI domain: RSSI is log-normal around the log-distance model, so the
// residuals r_i - h_i(p) in dB are what is Gaussian (ranges are not: inverting RSSI to metres and
// squaring, as linear least squares does, multiplies the error by the range). We minimise a Huber loss of
// the normalised residuals (robust to a reflection or a body in the way) with Levenberg-Marquardt
// (iteratively reweighted), started from the best point of a coarse grid over the search region and from
// the tracker's prediction when there is one, so it does not stop in a local minimum. Optionally a third
// unknown, a level offset b (dB) common to every scanner of the fix, is estimated with a prior: it soaks
// up what shifts all readings alike (a wrong path-loss exponent, a collar weaker than the site says, a
// wet coat), which would otherwise stretch every range the same way and push fixes out. 3-D ranges:
// scanner antenna height and collar height both count. The fix covariance is the inverse Fisher
// information at the solution (the Cramér-Rao bound of that geometry), inflated when the residuals say
// the model fits worse than its sigma.
//
// With fewer than three scanners a 2-D position is not determined: two give a weighted centroid, one the
// scanner's own position, each with a covariance as large as the ranges it cannot resolve.
import { MIN_RANGE_M } from '../kernel/path-loss';

export interface Anchor {
  id: string;
  x: number;
  y: number;
  z: number;
  rssiOffset: number;
  pathLossExponent: number;
}

export interface Observation {
  anchor: Anchor;
  /** RSSI of the window at this scanner, dBm. */
  rssi: number;
  /** Variance of `rssi` around the model, dB² (model error + measurement noise). */
  variance: number;
}

export interface Region {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export type FixMethod = 'nlls' | 'centroid' | 'nearest-scanner';

export type Cov2 = [[number, number], [number, number]];

export interface Fix {
  x: number;
  y: number;
  cov: Cov2;
  method: FixMethod;
  scanners: number;
  /** The common level offset estimated with the fix, dB (0 when none was estimated). */
  biasDb: number;
}

export interface SolveInput {
  observations: readonly Observation[];
  rssiAt1m: number;
  tagHeight: number;
  region: Region;
  /** Where the tracker expects the dog: a second start point for the search. */
  prior?: { x: number; y: number };
  /** Estimate a level offset common to all scanners, around `priorDb` with sigma `sigmaDb`. Absent: none. */
  bias?: { priorDb: number; sigmaDb: number };
}

/** Huber threshold in standard deviations: quadratic inside, linear outside. */
const HUBER_K = 1.5;
/** Points of the start grid: enough to land in the right basin; Levenberg-Marquardt does the rest. */
const GRID_POINTS = 200;
const LN10 = Math.LN10;
const MIN_D2 = MIN_RANGE_M * MIN_RANGE_M;
const MAX_ITERATIONS = 20;
/** A step this small ends the search: a centimetre is far below what RSSI can resolve. */
const CONVERGED_M = 0.01;

interface Term {
  x: number;
  y: number;
  dz2: number;
  /** dB per neper of range: 10 n / ln 10. */
  slope: number;
  /** rssi - (rssiAt1m + rssiOffset): the model is level - slope * ln d. */
  level: number;
  invSigma: number;
}

/** A fix, or undefined when there is nothing to go on (no observations). */
export function solvePosition(input: SolveInput): Fix | undefined {
  const obs = input.observations.filter((o) => Number.isFinite(o.rssi) && o.variance > 0);
  if (obs.length === 0) return undefined;
  if (obs.length === 1) return nearestScanner(obs[0], input);
  if (obs.length === 2) return centroid(obs, input);
  const terms = obs.map((o) => toTerm(o, input));
  // Without a bias to estimate, b is pinned at 0 by a prior so tight it is a constant.
  const prior: BiasPrior = input.bias
    ? { b0: input.bias.priorDb, inv: 1 / input.bias.sigmaDb }
    : { b0: 0, inv: 1e3 };
  const region = input.region;
  const start = gridStart(terms, prior, region);
  let best = refine(terms, prior, start, region);
  if (input.prior) {
    const px = clamp(input.prior.x, region.minX, region.maxX);
    const py = clamp(input.prior.y, region.minY, region.maxY);
    const fromPrior = refine(terms, prior, { x: px, y: py, b: bestBias(terms, prior, px, py) }, region);
    if (fromPrior.cost < best.cost) best = fromPrior;
  }
  const cov = fixCovariance(terms, prior, best, region);
  return { x: best.x, y: best.y, cov, method: 'nlls', scanners: obs.length, biasDb: input.bias ? best.b : 0 };
}

interface BiasPrior {
  b0: number;
  /** 1 / sigma of the prior, dB⁻¹. */
  inv: number;
}

interface Point3 {
  x: number;
  y: number;
  b: number;
}

function toTerm(o: Observation, input: SolveInput): Term {
  const dz = o.anchor.z - input.tagHeight;
  return {
    x: o.anchor.x,
    y: o.anchor.y,
    dz2: dz * dz,
    slope: (10 * o.anchor.pathLossExponent) / LN10,
    level: o.rssi - (input.rssiAt1m + o.anchor.rssiOffset),
    invSigma: 1 / Math.sqrt(o.variance),
  };
}

/** Residual of one term in dB before the bias: measured - model. */
function excess(t: Term, x: number, y: number): number {
  const dx = x - t.x;
  const dy = y - t.y;
  const d2 = Math.max(dx * dx + dy * dy + t.dz2, MIN_D2);
  return t.level + 0.5 * t.slope * Math.log(d2);
}

function huber(u: number): number {
  const a = Math.abs(u);
  return a <= HUBER_K ? 0.5 * u * u : HUBER_K * a - 0.5 * HUBER_K * HUBER_K;
}

function cost(terms: readonly Term[], prior: BiasPrior, x: number, y: number, b: number): number {
  let c = 0;
  for (const t of terms) c += huber((excess(t, x, y) - b) * t.invSigma);
  const u0 = (b - prior.b0) * prior.inv;
  return c + 0.5 * u0 * u0;
}

/** The bias that minimises the (quadratic) cost at (x, y). */
function bestBias(terms: readonly Term[], prior: BiasPrior, x: number, y: number): number {
  let num = prior.b0 * prior.inv * prior.inv;
  let den = prior.inv * prior.inv;
  for (const t of terms) {
    const w = t.invSigma * t.invSigma;
    num += w * excess(t, x, y);
    den += w;
  }
  return num / den;
}

function gridStart(terms: readonly Term[], prior: BiasPrior, r: Region): Point3 & { cost: number } {
  const w = r.maxX - r.minX;
  const h = r.maxY - r.minY;
  const step = Math.max(0.25, Math.sqrt((w * h) / GRID_POINTS));
  const e = new Float64Array(terms.length);
  const p2 = prior.inv * prior.inv;
  let best = { x: (r.minX + r.maxX) / 2, y: (r.minY + r.maxY) / 2, b: prior.b0, cost: Infinity };
  for (let x = r.minX + step / 2; x < r.maxX; x += step) {
    for (let y = r.minY + step / 2; y < r.maxY; y += step) {
      // The residuals once, then the best bias in closed form, then the cost from the same residuals.
      let num = prior.b0 * p2;
      let den = p2;
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i];
        const v = t.invSigma * t.invSigma;
        e[i] = excess(t, x, y);
        num += v * e[i];
        den += v;
      }
      const b = num / den;
      const u0 = (b - prior.b0) * prior.inv;
      let c = 0.5 * u0 * u0;
      for (let i = 0; i < terms.length && c < best.cost; i++) c += huber((e[i] - b) * terms[i].invSigma);
      if (c < best.cost) best = { x, y, b, cost: c };
    }
  }
  return best;
}

/** Levenberg-Marquardt on the Huber cost (IRLS weights) in (x, y, b), kept inside the region. */
function refine(
  terms: readonly Term[],
  prior: BiasPrior,
  start: Point3,
  r: Region,
): Point3 & { cost: number } {
  let { x, y, b } = start;
  let c = cost(terms, prior, x, y, b);
  let lambda = 1e-3;
  const h = new Float64Array(9);
  const g = new Float64Array(3);
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    // Normal equations of the linearised, reweighted problem: (H + lambda diag H) delta = g.
    h.fill(0);
    g.fill(0);
    for (const t of terms) {
      const dx = x - t.x;
      const dy = y - t.y;
      const d2 = Math.max(dx * dx + dy * dy + t.dz2, MIN_D2);
      const u = (t.level + 0.5 * t.slope * Math.log(d2) - b) * t.invSigma;
      const w = Math.abs(u) <= HUBER_K ? 1 : HUBER_K / Math.abs(u);
      const j0 = (t.slope * dx * t.invSigma) / d2;
      const j1 = (t.slope * dy * t.invSigma) / d2;
      const j2 = -t.invSigma;
      accumulate(h, g, w, j0, j1, j2, u);
    }
    accumulate(h, g, 1, 0, 0, prior.inv, (b - prior.b0) * prior.inv);
    const a = h.slice();
    for (let k = 0; k < 3; k++) a[k * 4] = h[k * 4] * (1 + lambda) + 1e-9;
    const step = solve3(a, g);
    if (!step) break;
    const nx = clamp(x + step[0], r.minX, r.maxX);
    const ny = clamp(y + step[1], r.minY, r.maxY);
    const nb = b + step[2];
    const nc = cost(terms, prior, nx, ny, nb);
    if (nc <= c) {
      const moved = Math.hypot(nx - x, ny - y);
      x = nx;
      y = ny;
      b = nb;
      c = nc;
      lambda = Math.max(lambda / 10, 1e-9);
      if (moved < CONVERGED_M && Math.abs(step[2]) < 0.01) break;
    } else {
      lambda *= 10;
      if (lambda > 1e7) break;
    }
  }
  return { x, y, b, cost: c };
}

function accumulate(
  h: Float64Array,
  g: Float64Array,
  w: number,
  j0: number,
  j1: number,
  j2: number,
  u: number,
): void {
  h[0] += w * j0 * j0;
  h[1] += w * j0 * j1;
  h[2] += w * j0 * j2;
  h[4] += w * j1 * j1;
  h[5] += w * j1 * j2;
  h[8] += w * j2 * j2;
  h[3] = h[1];
  h[6] = h[2];
  h[7] = h[5];
  g[0] -= w * j0 * u;
  g[1] -= w * j1 * u;
  g[2] -= w * j2 * u;
}

/** Solves the 3x3 system a x = g (a row-major), or undefined when it is singular. */
function solve3(a: Float64Array, g: Float64Array): [number, number, number] | undefined {
  const inv = invert3(a);
  if (!inv) return undefined;
  return [
    inv[0] * g[0] + inv[1] * g[1] + inv[2] * g[2],
    inv[3] * g[0] + inv[4] * g[1] + inv[5] * g[2],
    inv[6] * g[0] + inv[7] * g[1] + inv[8] * g[2],
  ];
}

function invert3(m: ArrayLike<number>): Float64Array | undefined {
  const [a, b, c, d, e, f, g, h, i] = [m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 1e-300) || !Number.isFinite(det)) return undefined;
  return new Float64Array([
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ]);
}

/**
 * Inverse Fisher information at the fix (the bias marginalised out: the x-y block of the 3x3 inverse),
 * inflated by the residual fit, capped by the region.
 */
function fixCovariance(
  terms: readonly Term[],
  prior: BiasPrior,
  p: Point3 & { cost: number },
  r: Region,
): Cov2 {
  const h = new Float64Array(9);
  const g = new Float64Array(3);
  for (const t of terms) {
    const dx = p.x - t.x;
    const dy = p.y - t.y;
    const d2 = Math.max(dx * dx + dy * dy + t.dz2, MIN_D2);
    accumulate(h, g, 1, (t.slope * dx * t.invSigma) / d2, (t.slope * dy * t.invSigma) / d2, -t.invSigma, 0);
  }
  accumulate(h, g, 1, 0, 0, prior.inv, 0);
  // More residual than the sigmas explain means the model is off here: widen honestly.
  const dof = terms.length - 2;
  const inflate = dof >= 2 ? clamp((2 * p.cost) / dof, 1, 25) : 1;
  const cap = ((r.maxX - r.minX) ** 2 + (r.maxY - r.minY) ** 2) / 4;
  const inv = invert3(h);
  if (!inv || !(inv[0] > 0) || !(inv[4] > 0))
    return [
      [cap, 0],
      [0, cap],
    ];
  return capCov(
    [
      [inflate * inv[0], inflate * inv[1]],
      [inflate * inv[3], inflate * inv[4]],
    ],
    cap,
  );
}

/**
 * Fisher information (2x2, m⁻²) about a tag's (x, y) at one point from one reading per scanner with
 * RSSI sigma `sigmaDb`, times `readings` independent readings of each scanner. Its inverse is the
 * Cramér-Rao bound on the covariance of any unbiased estimate.
 */
export function fisherInformation(
  anchors: readonly Anchor[],
  x: number,
  y: number,
  tagHeight: number,
  sigmaDb: number,
  readings: (anchor: Anchor) => number = () => 1,
): [number, number, number] {
  let i11 = 0;
  let i12 = 0;
  let i22 = 0;
  for (const a of anchors) {
    const dx = x - a.x;
    const dy = y - a.y;
    const dz = a.z - tagHeight;
    const d2 = Math.max(dx * dx + dy * dy + dz * dz, MIN_D2);
    const k = (10 * a.pathLossExponent) / LN10 / sigmaDb / d2;
    const n = readings(a);
    i11 += n * k * k * dx * dx;
    i12 += n * k * k * dx * dy;
    i22 += n * k * k * dy * dy;
  }
  return [i11, i12, i22];
}

/** Inverse of the symmetric [[a, b], [b, d]] times `scale`; a singular matrix gets a tiny ridge first. */
export function invert2(a: number, b: number, d: number, scale = 1): Cov2 {
  let det = a * d - b * b;
  const ridge = 1e-6 * Math.max(a + d, 1e-9);
  if (!(det > ridge * ridge)) {
    a += ridge;
    d += ridge;
    det = a * d - b * b;
  }
  return [
    [(scale * d) / det, (-scale * b) / det],
    [(-scale * b) / det, (scale * a) / det],
  ];
}

/** Caps each variance at `cap` m² (the position cannot be less known than "somewhere in the region"). */
function capCov(c: Cov2, cap: number): Cov2 {
  const sx = Math.min(c[0][0], cap);
  const sy = Math.min(c[1][1], cap);
  const rho = clamp(c[0][1] / Math.sqrt(c[0][0] * c[1][1]), -0.999, 0.999);
  const xy = rho * Math.sqrt(sx * sy);
  return [
    [sx, xy],
    [xy, sy],
  ];
}

/** The range at which the model predicts `rssi` (horizontal, after taking the heights out), and its sigma. */
function horizontalRange(o: Observation, input: SolveInput): { range: number; sigma: number } {
  const n = o.anchor.pathLossExponent;
  const a = input.rssiAt1m + (input.bias?.priorDb ?? 0);
  const d = 10 ** ((a + o.anchor.rssiOffset - o.rssi) / (10 * n));
  const dz = o.anchor.z - input.tagHeight;
  const range = Math.sqrt(Math.max(d * d - dz * dz, 0));
  return { range, sigma: (d * LN10 * Math.sqrt(o.variance)) / (10 * n) };
}

function nearestScanner(o: Observation, input: SolveInput): Fix {
  // The dog is somewhere on a circle of that range around the scanner: report the centre, with the
  // circle's spread as the variance (r²/2 per axis) plus the range uncertainty.
  const { range, sigma } = horizontalRange(o, input);
  const v = Math.max((range * range) / 2 + sigma * sigma, 1);
  return {
    x: o.anchor.x,
    y: o.anchor.y,
    cov: [
      [v, 0],
      [0, v],
    ],
    method: 'nearest-scanner',
    scanners: 1,
    biasDb: input.bias?.priorDb ?? 0,
  };
}

function centroid(obs: readonly Observation[], input: SolveInput): Fix {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let spread = 0;
  for (const o of obs) {
    const { range, sigma } = horizontalRange(o, input);
    const w = 1 / Math.max(range, 0.5) ** 2;
    sw += w;
    sx += w * o.anchor.x;
    sy += w * o.anchor.y;
    spread += w * (range * range + sigma * sigma);
  }
  // Each axis is as uncertain as the ranges the weighted centroid cannot resolve.
  const v = Math.max(spread / sw / 2, 1);
  return {
    x: sx / sw,
    y: sy / sw,
    cov: [
      [v, 0],
      [0, v],
    ],
    method: 'centroid',
    scanners: obs.length,
    biasDb: input.bias?.priorDb ?? 0,
  };
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

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
import { logSlope, rssiAtSquaredRange, rssiSlopePerSquaredRange } from '../kernel/path-loss';
import { censoredMean, censoredSlope } from './censoring';

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
  /** The scanners' floor, dBm, and a packet's sigma around its mean, dB: readings near it are biased high. */
  censoring?: { floorDbm: number; sigmaDb: number };
}

/** Huber threshold in standard deviations: quadratic inside, linear outside. */
const HUBER_K = 1.5;
/**
 * Cells of the start grid, whatever the region's size in metres (so a huge region cannot loop): enough to
 * land in the right basin; Levenberg-Marquardt does the rest.
 */
const GRID_POINTS = 200;
/** A region is at least this wide and high, m: a zero-size one would give a zero covariance cap. */
const MIN_REGION_M = 1;
/** Anchors and regions beyond this, m, are not a site (the site document allows 100 km). */
const MAX_COORDINATE_M = 1e7;
const MAX_ITERATIONS = 20;
/** A step this small ends the search: a centimetre is far below what RSSI can resolve. */
const CONVERGED_M = 0.01;

interface Term {
  x: number;
  y: number;
  dz2: number;
  /** dB per neper of range (path-loss.ts logSlope). */
  slope: number;
  /** The measured RSSI, and the model's level at 1 m (rssiAt1m + rssiOffset). */
  rssi: number;
  level1m: number;
  invSigma: number;
  /** censoring.ts: the floor (-Infinity: none) and the packet sigma. */
  floor: number;
  packetSigma: number;
}

/**
 * A fix, or undefined when there is nothing to go on (no usable observations, or inputs so extreme that
 * no finite fix follows: never a NaN or an Infinity). Throws a RangeError for options a caller got wrong.
 */
export function solvePosition(input: SolveInput): Fix | undefined {
  checkOptions(input);
  const obs = input.observations.filter(usable);
  if (obs.length === 0) return undefined;
  const region = padRegion(input.region);
  const fix =
    obs.length === 1
      ? nearestScanner(obs[0], input)
      : obs.length === 2
        ? centroid(obs, input)
        : solveNlls(obs, input, region);
  return finiteFix(fix) ? fix : undefined;
}

function checkOptions(input: SolveInput): void {
  const r = input.region;
  for (const [name, v] of [
    ['rssiAt1m', input.rssiAt1m],
    ['tagHeight', input.tagHeight],
    ['region.minX', r.minX],
    ['region.minY', r.minY],
    ['region.maxX', r.maxX],
    ['region.maxY', r.maxY],
  ] as const)
    if (!Number.isFinite(v)) throw new RangeError(`solver: ${name} must be finite, not ${v}`);
  if (!(r.maxX >= r.minX && r.maxY >= r.minY))
    throw new RangeError('solver: region max must not be below min');
  if (input.bias) {
    const { priorDb, sigmaDb } = input.bias;
    if (!(Number.isFinite(sigmaDb) && sigmaDb > 0))
      throw new RangeError(`solver: bias sigmaDb must be a finite number above 0, not ${sigmaDb}`);
    if (!Number.isFinite(priorDb))
      throw new RangeError(`solver: bias priorDb must be finite, not ${priorDb}`);
  }
  const c = input.censoring;
  if (c && !(Number.isFinite(c.floorDbm) && Number.isFinite(c.sigmaDb) && c.sigmaDb > 0))
    throw new RangeError('solver: censoring needs a finite floorDbm and a sigmaDb above 0');
}

/** An observation the model can take: finite numbers, a positive variance, an anchor on Earth. */
function usable(o: Observation): boolean {
  const a = o.anchor;
  return (
    Number.isFinite(o.rssi) &&
    Number.isFinite(o.variance) &&
    o.variance > 0 &&
    Math.abs(a.x) <= MAX_COORDINATE_M &&
    Math.abs(a.y) <= MAX_COORDINATE_M &&
    Math.abs(a.z) <= MAX_COORDINATE_M &&
    Number.isFinite(a.rssiOffset) &&
    Number.isFinite(a.pathLossExponent) &&
    a.pathLossExponent > 0
  );
}

/** The region inside ±MAX_COORDINATE_M, at least MIN_REGION_M on a side (grown about its centre). */
function padRegion(r: Region): Region {
  const m = MAX_COORDINATE_M;
  const out = {
    minX: clamp(r.minX, -m, m),
    minY: clamp(r.minY, -m, m),
    maxX: clamp(r.maxX, -m, m),
    maxY: clamp(r.maxY, -m, m),
  };
  for (const [lo, hi] of [
    ['minX', 'maxX'],
    ['minY', 'maxY'],
  ] as const) {
    if (out[hi] - out[lo] < MIN_REGION_M) {
      const c = (out[lo] + out[hi]) / 2;
      out[lo] = c - MIN_REGION_M / 2;
      out[hi] = c + MIN_REGION_M / 2;
    }
  }
  return out;
}

function finiteFix(f: Fix): boolean {
  return (
    Number.isFinite(f.x) &&
    Number.isFinite(f.y) &&
    Number.isFinite(f.biasDb) &&
    Number.isFinite(f.cov[0][0]) &&
    Number.isFinite(f.cov[0][1]) &&
    Number.isFinite(f.cov[1][0]) &&
    Number.isFinite(f.cov[1][1]) &&
    f.cov[0][0] > 0 &&
    f.cov[1][1] > 0
  );
}

function solveNlls(obs: readonly Observation[], input: SolveInput, region: Region): Fix {
  const terms = obs.map((o) => toTerm(o, input));
  // Without a bias to estimate, b is pinned at 0 by a prior so tight it is a constant.
  const prior: BiasPrior = input.bias
    ? { b0: input.bias.priorDb, inv: 1 / input.bias.sigmaDb }
    : { b0: 0, inv: 1e3 };
  const start = gridStart(terms, prior, region);
  let best = refine(terms, prior, start, region);
  if (input.prior && Number.isFinite(input.prior.x) && Number.isFinite(input.prior.y)) {
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
    slope: logSlope(o.anchor.pathLossExponent),
    rssi: o.rssi,
    level1m: input.rssiAt1m + o.anchor.rssiOffset,
    invSigma: 1 / Math.sqrt(o.variance),
    floor: input.censoring?.floorDbm ?? -Infinity,
    packetSigma: input.censoring?.sigmaDb ?? 1,
  };
}

/** Residual of one term in dB before the bias: measured - model. */
function excess(t: Term, x: number, y: number): number {
  const dx = x - t.x;
  const dy = y - t.y;
  return (
    t.rssi -
    censoredMean(rssiAtSquaredRange(dx * dx + dy * dy + t.dz2, t.level1m, t.slope), t.floor, t.packetSigma)
  );
}

/**
 * d residual / d x (and / d y) of one normalised term: minus the model's gradient, which is the slope per
 * squared range times 2 dx (path-loss.ts).
 */
function jacobianFactor(t: Term, d2: number): number {
  return -2 * rssiSlopePerSquaredRange(d2, t.slope) * t.invSigma;
}

function huber(u: number): number {
  const a = Math.abs(u);
  return a <= HUBER_K ? 0.5 * u * u : HUBER_K * a - 0.5 * HUBER_K * HUBER_K;
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
  // A fixed number of cells, shaped like the region: nx * ny is about GRID_POINTS however large it is.
  const nx = clamp(Math.round(Math.sqrt((GRID_POINTS * w) / h)), 1, GRID_POINTS);
  const ny = clamp(Math.round(GRID_POINTS / nx), 1, GRID_POINTS);
  const sx = w / nx;
  const sy = h / ny;
  const e = new Float64Array(terms.length);
  const p2 = prior.inv * prior.inv;
  let best = { x: (r.minX + r.maxX) / 2, y: (r.minY + r.maxY) / 2, b: prior.b0, cost: Infinity };
  for (let i = 0; i < nx; i++) {
    const x = r.minX + (i + 0.5) * sx;
    for (let j = 0; j < ny; j++) {
      const y = r.minY + (j + 0.5) * sy;
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
  // Each term's residual before the bias (`excess`) at the current point, and at the candidate: the cost
  // of an accepted candidate is where the next step is linearised, so its residuals (a log each) are
  // taken over rather than worked out again (the same arithmetic, so the same bits).
  let e = new Float64Array(terms.length);
  let candidate = new Float64Array(terms.length);
  let level = new Float64Array(terms.length);
  let candidateLevel = new Float64Array(terms.length);
  let c = costInto(terms, prior, x, y, b, e, level);
  let lambda = 1e-3;
  const h = new Float64Array(9);
  const g = new Float64Array(3);
  const a = new Float64Array(9);
  const inv = new Float64Array(9);
  const step = new Float64Array(3);
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    // Normal equations of the linearised, reweighted problem: (H + lambda diag H) delta = g.
    h.fill(0);
    g.fill(0);
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i];
      const dx = x - t.x;
      const dy = y - t.y;
      const d2 = dx * dx + dy * dy + t.dz2;
      const u = (e[i] - b) * t.invSigma;
      const slope = censoredSlope(level[i], t.floor, t.packetSigma);
      const w = Math.abs(u) <= HUBER_K ? 1 : HUBER_K / Math.abs(u);
      const k = jacobianFactor(t, d2) * slope;
      const j0 = k * dx;
      const j1 = k * dy;
      const j2 = -t.invSigma;
      accumulate(h, g, w, j0, j1, j2, u);
    }
    accumulate(h, g, 1, 0, 0, prior.inv, (b - prior.b0) * prior.inv);
    a.set(h);
    for (let k = 0; k < 3; k++) a[k * 4] = h[k * 4] * (1 + lambda) + 1e-9;
    if (!solve3(a, g, inv, step)) break;
    const nx = clamp(x + step[0], r.minX, r.maxX);
    const ny = clamp(y + step[1], r.minY, r.maxY);
    const nb = b + step[2];
    const nc = costInto(terms, prior, nx, ny, nb, candidate, candidateLevel);
    if (nc <= c) {
      const moved = Math.hypot(nx - x, ny - y);
      x = nx;
      y = ny;
      b = nb;
      c = nc;
      const taken = candidate;
      candidate = e;
      e = taken;
      const takenLevel = candidateLevel;
      candidateLevel = level;
      level = takenLevel;
      lambda = Math.max(lambda / 10, 1e-9);
      if (moved < CONVERGED_M && Math.abs(step[2]) < 0.01) break;
    } else {
      lambda *= 10;
      if (lambda > 1e7) break;
    }
  }
  return { x, y, b, cost: c };
}

/**
 * The Huber cost at (x, y, b); leaves each term's excess() at (x, y) in `e` and the model's level there in
 * `level` (the censored slope of the next step needs it: one log, not two).
 */
function costInto(
  terms: readonly Term[],
  prior: BiasPrior,
  x: number,
  y: number,
  b: number,
  e: Float64Array,
  level: Float64Array,
): number {
  let c = 0;
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i];
    const dx = x - t.x;
    const dy = y - t.y;
    const h0 = rssiAtSquaredRange(dx * dx + dy * dy + t.dz2, t.level1m, t.slope);
    const ex = t.rssi - censoredMean(h0, t.floor, t.packetSigma);
    level[i] = h0;
    e[i] = ex;
    c += huber((ex - b) * t.invSigma);
  }
  const u0 = (b - prior.b0) * prior.inv;
  return c + 0.5 * u0 * u0;
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

/** Solves the 3x3 system a x = g (a row-major) into `out` (`inv` is scratch); false when it is singular. */
function solve3(a: Float64Array, g: Float64Array, inv: Float64Array, out: Float64Array): boolean {
  if (!invert3(a, inv)) return false;
  out[0] = inv[0] * g[0] + inv[1] * g[1] + inv[2] * g[2];
  out[1] = inv[3] * g[0] + inv[4] * g[1] + inv[5] * g[2];
  out[2] = inv[6] * g[0] + inv[7] * g[1] + inv[8] * g[2];
  return true;
}

/** The inverse of the 3x3 `m` (row-major) into `out`; false (out untouched) when it is singular. */
function invert3(m: ArrayLike<number>, out: Float64Array): boolean {
  const a = m[0];
  const b = m[1];
  const c = m[2];
  const d = m[3];
  const e = m[4];
  const f = m[5];
  const g = m[6];
  const h = m[7];
  const i = m[8];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 1e-300) || !Number.isFinite(det)) return false;
  out[0] = A / det;
  out[1] = -(b * i - c * h) / det;
  out[2] = (b * f - c * e) / det;
  out[3] = B / det;
  out[4] = (a * i - c * g) / det;
  out[5] = -(a * f - c * d) / det;
  out[6] = C / det;
  out[7] = -(a * h - b * g) / det;
  out[8] = (a * e - b * d) / det;
  return true;
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
    const d2 = dx * dx + dy * dy + t.dz2;
    const k =
      jacobianFactor(t, d2) *
      censoredSlope(rssiAtSquaredRange(d2, t.level1m, t.slope), t.floor, t.packetSigma);
    accumulate(h, g, 1, k * dx, k * dy, -t.invSigma, 0);
  }
  accumulate(h, g, 1, 0, 0, prior.inv, 0);
  // More residual than the sigmas explain means the model is off here: widen honestly.
  const dof = terms.length - 2;
  const inflate = dof >= 2 ? clamp((2 * p.cost) / dof, 1, 25) : 1;
  const cap = ((r.maxX - r.minX) ** 2 + (r.maxY - r.minY) ** 2) / 4;
  const inv = new Float64Array(9);
  if (!invert3(h, inv) || !(inv[0] > 0) || !(inv[4] > 0))
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
    const k =
      (-2 * rssiSlopePerSquaredRange(dx * dx + dy * dy + dz * dz, logSlope(a.pathLossExponent))) / sigmaDb;
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
  return { range, sigma: (d * Math.sqrt(o.variance)) / logSlope(n) };
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

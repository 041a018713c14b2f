// Evidence pooled across positions: where a dog that stays put is, from all its recent positions, and how
// sure that is. One position of a dog lying in a 3 m pool with 1.5 m accuracy cannot tell the side; twenty
// of them can. Pure: no Node-RED, event time only; a few numbers per dog, saved with the zone state.
//
// The pooled position is the inverse-variance mean of the positions, each weighted down by
// exp(-age / pool time) (exponential forgetting, so a dog that moves on is followed):
//   w_i = exp(-(t - t_i) / tau) / sigma_i^2,  m = sum(w_i z_i) / W,  W = sum(w_i)
// Its covariance, if the positions' errors were independent, is sum(w_i^2 cov_i) / W^2. A tracker
// smooths, so consecutive errors are correlated and n positions carry less than n positions' worth of
// evidence. The errors are taken as AR(1), rho^k correlated k positions apart, and the variance of the
// pooled mean is the exact one, kept recursively (v, r below): sum_i sum_j h_i h_j rho^|i-j| / W^2 with
// h_i = w_i sigma_i; the covariance keeps the shape of sum(w_i^2 cov_i). (The crude rule before, the
// independent covariance times min(K, n_eff), overstated it by 17-38 % at K 9: a 5-position pool counted
// as one position.) test/geofence-alert/evidence.test.ts checks it against Monte Carlo.
// K = (1 + rho) / (1 - rho), the integrated autocorrelation time, is learnt from the data unless set: the
// lag-1 correlation phi of the positions' residuals from the pooled position (in units of each position's
// sigma) of a dog at rest, over the last ten minutes or so, starting from a cautious prior (phi 0.8, i.e.
// K 9, worth 30 positions). (Residuals from a mean of the same positions underrate phi a little: learnt
// K 8.5 for a true 9.)
// A position far from the pooled one (the dog moved: beyond the 99 % ellipse of both together) starts the
// pool afresh, so a walking dog is not averaged with where it was; and for SETTLE_MS after that the dog is
// taken as moving, its positions not pooled: its walk would bias the new pool towards where it came from,
// and the error excursion that tripped the gate (AR(1) errors stay up for seconds) would start it on a
// selected, large error (that gave an alert of a dog lying on the fence line, in 20 dog-hours).
import type { FencePosition } from './position-input';

export type Covariance = readonly [readonly [number, number], readonly [number, number]];

/** Plain JSON, saved with the zone state. */
export interface PooledState {
  /** Event time of the newest position pooled. */
  ts: number;
  /** Event time of the first position of this pool (since the last restart of it). */
  since: number;
  /** Sum of weights, of squared weights, of weighted coordinates, of squared weights times covariance. */
  w: number;
  w2: number;
  mx: number;
  my: number;
  qxx: number;
  qxy: number;
  qyy: number;
  /**
   * The exact variance of the pooled mean under AR(1) errors, recursively: v = sum_i sum_j h_i h_j
   * rho^|i-j| with h_i = w_i sigma_i, and r = sum_j h_j rho^(n-j), the part the next position correlates with.
   */
  v: number;
  r: number;
  /** The error correlation learnt: decayed sums of u_t . u_(t-1) and of |u_(t-1)|^2, the last residual u. */
  lag: number;
  power: number;
  ux: number;
  uy: number;
  /** Whether ux, uy is the residual of the previous position of this pool. */
  chained: boolean;
  /**
   * Event time until which the dog is taken as moving (it left its pool): each position then starts the
   * pool afresh, so neither its walk nor the error excursion that tripped the move gate is pooled.
   */
  settle: number;
}

export interface PooledGaussian {
  x: number;
  y: number;
  cov: Covariance;
  /** Effective number of positions pooled. */
  n: number;
}

/** Chi-square with 2 degrees of freedom at 99 %: a position outside this ellipse is a move. */
const MOVE_GATE = 9.21;
/** How long (ms) a dog that left its pool is taken as moving, its positions not pooled. */
export const SETTLE_MS = 5000;
/** Memory (ms) of the learnt error correlation, and its prior: phi, and how many positions it is worth. */
const LEARN_MS = 600000;
const PRIOR_PHI = 0.8;
const PRIOR_POSITIONS = 30;
/** Learnt K never goes beyond this (phi 0.95). */
export const MAX_CORRELATED_POSITIONS = 39;

export function positionCov(p: FencePosition, minSigma: number): Covariance {
  const floor = minSigma * minSigma;
  if (p.cov) {
    const [[a, b], [, c]] = p.cov;
    // Keep the shape, but never narrower than the floor along either axis.
    return [
      [Math.max(a, floor), b],
      [b, Math.max(c, floor)],
    ];
  }
  const v = Math.max(p.accuracy * p.accuracy, floor);
  return [
    [v, 0],
    [0, v],
  ];
}

/**
 * Adds a position to the pool (a new pool when there is none, the dog moved, or the pool is stale) and
 * returns it. `poolMs`: the forgetting time; `correlated`: K above, 0 to learn it; `moveGate`: the
 * chi-square beyond which a position is a move (tests turn it off to check the variance alone).
 */
export function pool(
  state: PooledState | undefined,
  p: FencePosition,
  cov: Covariance,
  poolMs: number,
  correlated: number,
  moveGate = MOVE_GATE,
): PooledState {
  const variance = Math.max((cov[0][0] + cov[1][1]) / 2, 1e-6);
  const weight = 1 / variance;
  let s = state;
  let continues = false;
  let settle = 0;
  if (s !== undefined) {
    const age = p.ts - s.ts;
    const decay = poolMs > 0 ? Math.exp(-age / poolMs) : 0;
    const learnt = Math.exp(-age / LEARN_MS);
    s.lag *= learnt;
    s.power *= learnt;
    // Settling: every position until then starts afresh, the pool proper begins at the first one after.
    if (p.ts < s.settle || s.since < s.settle) settle = s.settle;
    else if (decay >= 1e-6 && decay <= 1) {
      const g = pooledGaussian(s);
      const dx = p.x - g.x;
      const dy = p.y - g.y;
      if (mahalanobis2(dx, dy, add(g.cov, cov)) <= moveGate) {
        continues = true;
        // The residual, in sigmas of this position, for the error correlation.
        const sigma = Math.sqrt(variance);
        const ux = dx / sigma;
        const uy = dy / sigma;
        if (s.chained) {
          s.lag += ux * s.ux + uy * s.uy;
          s.power += s.ux * s.ux + s.uy * s.uy;
        }
        s.ux = ux;
        s.uy = uy;
        s.chained = true;
        s.w *= decay;
        s.mx *= decay;
        s.my *= decay;
        const d2 = decay * decay;
        s.w2 *= d2;
        s.qxx *= d2;
        s.qxy *= d2;
        s.qyy *= d2;
        s.v *= d2;
        s.r *= decay;
      } else settle = p.ts + SETTLE_MS;
    }
  }
  // A new pool keeps what was learnt of the error correlation.
  if (s === undefined || !continues) s = emptyPool(p.ts, s?.lag ?? 0, s?.power ?? 0, settle);
  s.ts = p.ts;
  s.w += weight;
  s.w2 += weight * weight;
  s.mx += weight * p.x;
  s.my += weight * p.y;
  const w2 = weight * weight;
  s.qxx += w2 * cov[0][0];
  s.qxy += w2 * cov[0][1];
  s.qyy += w2 * cov[1][1];
  // This position's error is rho^k correlated with the one k positions back (AR(1), rho from K).
  const rho = rhoOf(correlatedPositions(s, correlated));
  const h = weight * Math.sqrt(variance);
  s.v += h * h + 2 * h * rho * s.r;
  s.r = rho * s.r + h;
  return s;
}

/** K: the setting, or when it is 0 the one learnt from the positions. */
export function correlatedPositions(s: PooledState, setting: number): number {
  if (setting > 0) return setting;
  // Two axes: the prior counts twice.
  const phi = (s.lag + 2 * PRIOR_POSITIONS * PRIOR_PHI) / (s.power + 2 * PRIOR_POSITIONS);
  const bounded = Math.min(Math.max(phi, 0), 0.95);
  return Math.min(MAX_CORRELATED_POSITIONS, (1 + bounded) / (1 - bounded));
}

/** The lag-1 correlation of an AR(1) error whose integrated autocorrelation time is K positions. */
export function rhoOf(k: number): number {
  return k > 1 ? (k - 1) / (k + 1) : 0;
}

export function pooledGaussian(s: PooledState): PooledGaussian {
  const n = (s.w * s.w) / s.w2;
  // sum w_i^2 sigma_i^2 (the variance numerator were the errors independent) is half the trace of q;
  // v / that is how much the correlation inflates it, q keeps the shape.
  const independent = (s.qxx + s.qyy) / 2;
  const g = independent > 0 ? s.v / independent / (s.w * s.w) : 0;
  return {
    x: s.mx / s.w,
    y: s.my / s.w,
    cov: [
      [s.qxx * g, s.qxy * g],
      [s.qxy * g, s.qyy * g],
    ],
    n,
  };
}

/** A saved pool, or undefined when it does not make sense. */
export function readPooled(value: unknown): PooledState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const keys = KEYS;
  for (const k of keys) if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) return undefined;
  const s = v as unknown as PooledState;
  if (!(s.w > 0 && s.w2 > 0 && s.qxx >= 0 && s.qyy >= 0 && s.power >= 0 && s.v > 0 && s.r >= 0))
    return undefined;
  const copy = { chained: v.chained === true } as PooledState;
  for (const k of keys) copy[k] = s[k];
  return copy;
}

function emptyPool(ts: number, lag: number, power: number, settle: number): PooledState {
  const zero = { w: 0, w2: 0, mx: 0, my: 0, qxx: 0, qxy: 0, qyy: 0, v: 0, r: 0, ux: 0, uy: 0 };
  return { ts, since: ts, ...zero, lag, power, chained: false, settle };
}

const KEYS = [
  'ts',
  'since',
  'w',
  'w2',
  'mx',
  'my',
  'qxx',
  'qxy',
  'qyy',
  'v',
  'r',
  'lag',
  'power',
  'ux',
  'uy',
  'settle',
] as const;

function add(a: Covariance, b: Covariance): Covariance {
  return [
    [a[0][0] + b[0][0], a[0][1] + b[0][1]],
    [a[1][0] + b[1][0], a[1][1] + b[1][1]],
  ];
}

function mahalanobis2(dx: number, dy: number, s: Covariance): number {
  const [[a, b], [, c]] = s;
  const det = a * c - b * b;
  if (!(det > 0)) return Infinity;
  return (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
}

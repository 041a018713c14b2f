// The log-distance path-loss model that links RSSI and range, shared by the simulator and the solver:
//   rssi = rssiAt1m - 10 * n * log10(d / 1 m) + rssiOffset
// with d the 3-D distance between tag and scanner antenna. Written once here, with its slope, so the
// solver's residuals and Jacobian are this model and not a copy of it.

/** Below this range the far-field model means nothing; clamp so log10 stays finite. */
export const MIN_RANGE_M = 0.1;
const MIN_RANGE2 = MIN_RANGE_M * MIN_RANGE_M;

export interface PathLoss {
  /** dBm the tag reads at 1 m from a reference receiver. */
  rssiAt1m: number;
  /** Path-loss exponent n: 2 in free space, 1.6–1.8 along corridors, 2.5–4 through walls and bodies. */
  pathLossExponent: number;
  /** dB added to every reading of one receiver (its gain against the reference). */
  rssiOffset: number;
}

export function expectedRssi(distanceM: number, model: PathLoss): number {
  // The same model as rssiAtSquaredRange, in its textbook form (log10 of the range).
  return (
    model.rssiAt1m -
    10 * model.pathLossExponent * Math.log10(Math.max(distanceM, MIN_RANGE_M)) +
    model.rssiOffset
  );
}

/**
 * The model's slope against the natural log of the range, dB per neper: -d rssi / d ln d = 10 n / ln 10.
 * (Per metre, d rssi / d d = -logSlope / d.)
 */
export function logSlope(pathLossExponent: number): number {
  return (10 * pathLossExponent) / Math.LN10;
}

/**
 * The model at a squared range d2 (m², clamped at MIN_RANGE_M), in the form a solver evaluates it:
 * `level1m - slope * ln d`, with `level1m` = rssiAt1m + rssiOffset and `slope` = logSlope(n).
 */
export function rssiAtSquaredRange(d2: number, level1m: number, slope: number): number {
  return level1m - 0.5 * slope * Math.log(Math.max(d2, MIN_RANGE2));
}

/**
 * d rssi / d(d²) at a squared range d2 (clamped as above): the chain rule gives the gradient in x as
 * 2 dx times this, so a solver's Jacobian is `-slope * dx / d2` per coordinate.
 */
export function rssiSlopePerSquaredRange(d2: number, slope: number): number {
  return (-0.5 * slope) / Math.max(d2, MIN_RANGE2);
}

/** The range at which the model predicts `rssi`. */
export function rangeFromRssi(rssi: number, model: PathLoss): number {
  return 10 ** ((model.rssiAt1m + model.rssiOffset - rssi) / (10 * model.pathLossExponent));
}

export function distance3d(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const dx = ax - bx;
  const dy = ay - by;
  const dz = az - bz;
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

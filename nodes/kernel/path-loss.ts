// The log-distance path-loss model that links RSSI and range, shared by the simulator and the solver:
//   rssi = rssiAt1m - 10 * n * log10(d / 1 m) + rssiOffset
// with d the 3-D distance between tag and scanner antenna.

/** Below this range the far-field model means nothing; clamp so log10 stays finite. */
export const MIN_RANGE_M = 0.1;

export interface PathLoss {
  /** dBm the tag reads at 1 m from a reference receiver. */
  rssiAt1m: number;
  /** Path-loss exponent n: 2 in free space, 1.6–1.8 along corridors, 2.5–4 through walls and bodies. */
  pathLossExponent: number;
  /** dB added to every reading of one receiver (its gain against the reference). */
  rssiOffset: number;
}

export function expectedRssi(distanceM: number, model: PathLoss): number {
  return (
    model.rssiAt1m -
    10 * model.pathLossExponent * Math.log10(Math.max(distanceM, MIN_RANGE_M)) +
    model.rssiOffset
  );
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

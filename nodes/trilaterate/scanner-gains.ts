// Learns each scanner's gain error on line. Pure: no Node-RED.
//
// Receivers differ by a few dB (antenna, case, where the Pi sits), and a site's `rssiOffset` is rarely
// measured. With four or more scanners a fix over-determines the position, so each fix's residuals say a
// little about each scanner: one that always reads stronger than the model at the fixes has a positive
// gain error. We average the residuals of each scanner over many fixes (exponential averaging, slow, so a
// dog's shadowing, which changes as it moves, averages out), after taking out the part common to all
// scanners of a fix (that is the fix's level offset, not any one scanner's). The corrections are kept
// centred on zero and clamped, so they can only shift scanners against each other.
import { distance3d, expectedRssi } from '../kernel/path-loss';
import type { Observation } from './solver';

/** Residuals beyond this (dB) are a reflection or a body, not the gain: they are clipped. */
const RESIDUAL_CLIP_DB = 8;

export class ScannerGains {
  private readonly corrections = new Map<string, number>();

  /**
   * @param rate weight of one fix in the running average (0.03: a memory of about 30 fixes per scanner)
   * @param maxDb largest correction, dB
   */
  constructor(
    private readonly rate = 0.03,
    private readonly maxDb = 6,
  ) {}

  /** dB to add to a scanner's rssiOffset. */
  correction(scanner: string): number {
    return this.corrections.get(scanner) ?? 0;
  }

  get all(): ReadonlyMap<string, number> {
    return this.corrections;
  }

  /**
   * Learns from one fix at (x, y) with level offset `biasDb`. `observations` carry the anchors as the fix
   * used them (with the current corrections in their rssiOffset).
   */
  learn(
    x: number,
    y: number,
    biasDb: number,
    rssiAt1m: number,
    tagHeight: number,
    observations: readonly Observation[],
  ): void {
    if (observations.length < 4) return;
    const residuals = observations.map((o) => {
      const a = o.anchor;
      const d = distance3d(x, y, tagHeight, a.x, a.y, a.z);
      const model = expectedRssi(d, {
        rssiAt1m: rssiAt1m + biasDb,
        pathLossExponent: a.pathLossExponent,
        rssiOffset: a.rssiOffset,
      });
      return Math.max(-RESIDUAL_CLIP_DB, Math.min(RESIDUAL_CLIP_DB, o.rssi - model));
    });
    const mean = residuals.reduce((s, r) => s + r, 0) / residuals.length;
    observations.forEach((o, i) => {
      const id = o.anchor.id;
      this.corrections.set(id, this.correction(id) + this.rate * (residuals[i] - mean));
    });
    // Centre on zero: a shift common to every scanner is the level offset's business.
    const values = [...this.corrections.values()];
    const centre = values.reduce((s, v) => s + v, 0) / values.length;
    for (const [id, v] of this.corrections)
      this.corrections.set(id, Math.max(-this.maxDb, Math.min(this.maxDb, v - centre)));
  }
}

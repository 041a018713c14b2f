// A motion tracker for one dog: a Kalman filter on [x, y, vx, vy], fed one position fix per window.
// Pure: no Node-RED.
//
// Motion model: nearly constant velocity, with white acceleration noise (`accelerationNoise`, m²/s³) and a
// velocity that relaxes towards zero (time constant `velocityTimeConstantS`), because a dog stops far
// more often than it keeps a straight line. Fixes are measurements with their own covariance (from the
// solver). Two gates:
//  - speed: a fix further from the last estimate than `maxSpeed` could carry the dog (plus 3 sigma of
//    both) is refused; after `resetAfterRejections` refusals in a row the track restarts at the fix
//    (the dog is really there, or the track was wrong);
//  - Mahalanobis: a fix that is merely unlikely (beyond 3 sigma) is down-weighted, not refused.
// After `restartAfterS` without fixes the track restarts rather than predict across the gap.
import type { Cov2 } from './solver';

export interface TrackerOptions {
  /** Spectral density of the white acceleration, m²/s³. */
  accelerationNoise: number;
  /** Velocity relaxes to zero with this time constant, s. */
  velocityTimeConstantS: number;
  /** Fastest a dog runs, m/s (a greyhound sprints at 18; most dogs at 8–10). */
  maxSpeed: number;
  resetAfterRejections: number;
  /** A gap longer than this restarts the track, s. */
  restartAfterS: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  accelerationNoise: 1,
  velocityTimeConstantS: 2,
  maxSpeed: 12,
  resetAfterRejections: 3,
  restartAfterS: 30,
};

export type UpdateVerdict = 'started' | 'fused' | 'refused' | 'restarted';

export interface TrackState {
  ts: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  cov: Cov2;
}

export class MotionTracker {
  readonly options: TrackerOptions;
  /** State [x, y, vx, vy] and its covariance (row-major 4x4). */
  private readonly s = new Float64Array(4);
  private readonly p = new Float64Array(16);
  private ts = Number.NaN;
  private rejections = 0;
  // Scratch space, so an update allocates nothing (thousands of dogs-seconds a second on a busy hub).
  private readonly gain = new Float64Array(8);
  private readonly next = new Float64Array(16);
  private readonly fp = new Float64Array(16);
  private readonly f = new Float64Array(16);
  private readonly saved = new Float64Array(20);

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
  }

  get started(): boolean {
    return !Number.isNaN(this.ts);
  }

  /** Where the tracker expects the dog at `ts` (no state change), for the solver's start. */
  predictedAt(ts: number): { x: number; y: number } | undefined {
    if (!this.started) return undefined;
    const dt = Math.max(0, (ts - this.ts) / 1000);
    const carry = this.carry(dt);
    return { x: this.s[0] + carry * this.s[2], y: this.s[1] + carry * this.s[3] };
  }

  /** Feeds one fix taken at `ts` (ms). A fix older than the track is used as if taken now. */
  update(fix: { x: number; y: number; cov: Cov2 }, ts: number): UpdateVerdict {
    if (!this.started || (ts - this.ts) / 1000 > this.options.restartAfterS) {
      const verdict = this.started ? 'restarted' : 'started';
      this.restart(fix, ts);
      return verdict;
    }
    const dt = Math.max(0, (ts - this.ts) / 1000);
    const fromX = this.s[0];
    const fromY = this.s[1];
    const posVar = this.p[0] + this.p[5];
    this.predict(dt);
    this.ts = Math.max(this.ts, ts);

    const r = fix.cov;
    const jump = Math.hypot(fix.x - fromX, fix.y - fromY);
    const reach = this.options.maxSpeed * dt + 3 * Math.sqrt(posVar + r[0][0] + r[1][1]);
    if (jump > reach) {
      if (++this.rejections >= this.options.resetAfterRejections) {
        this.restart(fix, ts);
        return 'restarted';
      }
      return 'refused';
    }
    this.rejections = 0;

    const p = this.p;
    const yx = fix.x - this.s[0];
    const yy = fix.y - this.s[1];
    let r11 = r[0][0];
    let r12 = r[0][1];
    let r22 = r[1][1];
    let s11 = p[0] + r11;
    let s12 = p[1] + r12;
    let s22 = p[5] + r22;
    let det = s11 * s22 - s12 * s12;
    const d2 = (s22 * yx * yx - 2 * s12 * yx * yy + s11 * yy * yy) / det;
    if (d2 > 9) {
      // An unlikely fix: trust it less, in proportion (a Huber-like Kalman update).
      const k = d2 / 9;
      r11 *= k;
      r12 *= k;
      r22 *= k;
      s11 = p[0] + r11;
      s12 = p[1] + r12;
      s22 = p[5] + r22;
      det = s11 * s22 - s12 * s12;
    }
    const i11 = s22 / det;
    const i12 = -s12 / det;
    const i22 = s11 / det;
    // Gain K = P H' S^-1 (4x2); H picks x and y, so P H' is the first two columns of P.
    const k = this.gain;
    for (let row = 0; row < 4; row++) {
      const a = p[row * 4];
      const b = p[row * 4 + 1];
      k[row * 2] = a * i11 + b * i12;
      k[row * 2 + 1] = a * i12 + b * i22;
    }
    for (let row = 0; row < 4; row++) this.s[row] += k[row * 2] * yx + k[row * 2 + 1] * yy;
    // P = P - K H P (then symmetrised): H P is the first two rows of P.
    const next = this.next;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) next[i * 4 + j] = p[i * 4 + j] - k[i * 2] * p[j] - k[i * 2 + 1] * p[4 + j];
    }
    for (let i = 0; i < 4; i++) {
      for (let j = i; j < 4; j++) {
        const v = (next[i * 4 + j] + next[j * 4 + i]) / 2;
        p[i * 4 + j] = v;
        p[j * 4 + i] = v;
      }
    }
    // A dog does not outrun maxSpeed: keep the velocity honest after a noisy fix.
    const speed = Math.hypot(this.s[2], this.s[3]);
    if (speed > this.options.maxSpeed) {
      const f = this.options.maxSpeed / speed;
      this.s[2] *= f;
      this.s[3] *= f;
    }
    return 'fused';
  }

  /** The estimate carried forward to `ts` (no state change): positions are reported at a window's end. */
  stateAt(ts: number): TrackState {
    const saved = this.saved;
    saved.set(this.s, 0);
    saved.set(this.p, 4);
    const savedTs = this.ts;
    this.predict(Math.max(0, (ts - this.ts) / 1000));
    this.ts = Math.max(ts, this.ts);
    const state = this.state();
    this.s.set(saved.subarray(0, 4));
    this.p.set(saved.subarray(4, 20));
    this.ts = savedTs;
    return state;
  }

  state(): TrackState {
    const p = this.p;
    return {
      ts: this.ts,
      x: this.s[0],
      y: this.s[1],
      vx: this.s[2],
      vy: this.s[3],
      cov: [
        [p[0], p[1]],
        [p[4], p[5]],
      ],
    };
  }

  private restart(fix: { x: number; y: number; cov: Cov2 }, ts: number): void {
    this.s.set([fix.x, fix.y, 0, 0]);
    this.p.fill(0);
    this.p[0] = fix.cov[0][0];
    this.p[1] = this.p[4] = fix.cov[0][1];
    this.p[5] = fix.cov[1][1];
    // Unknown velocity: a trotting dog's speed per axis.
    this.p[10] = this.p[15] = 4;
    this.ts = ts;
    this.rejections = 0;
  }

  /** Distance gained per unit of velocity over dt with the velocity relaxing: tau (1 - e^(-dt/tau)). */
  private carry(dt: number): number {
    const tau = this.options.velocityTimeConstantS;
    return tau * (1 - Math.exp(-dt / tau));
  }

  private predict(dt: number): void {
    if (dt <= 0) return;
    const c = this.carry(dt);
    const a = Math.exp(-dt / this.options.velocityTimeConstantS);
    // F = [[1,0,c,0],[0,1,0,c],[0,0,a,0],[0,0,0,a]] per axis pair.
    this.s[0] += c * this.s[2];
    this.s[1] += c * this.s[3];
    this.s[2] *= a;
    this.s[3] *= a;
    const p = this.p;
    const f = this.f;
    f.fill(0);
    f[0] = f[5] = 1;
    f[2] = f[7] = c;
    f[10] = f[15] = a;
    const fp = this.fp;
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += f[i * 4 + k] * p[k * 4 + j];
        fp[i * 4 + j] = sum;
      }
    const q = this.options.accelerationNoise;
    const q11 = (q * dt * dt * dt) / 3;
    const q13 = (q * dt * dt) / 2;
    const q33 = q * dt;
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let sum = 0;
        for (let k = 0; k < 4; k++) sum += fp[i * 4 + k] * f[j * 4 + k];
        p[i * 4 + j] = sum;
      }
    p[0] += q11;
    p[5] += q11;
    p[2] += q13;
    p[8] += q13;
    p[7] += q13;
    p[13] += q13;
    p[10] += q33;
    p[15] += q33;
  }
}

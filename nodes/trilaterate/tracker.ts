// A motion tracker for one dog, fed one position fix per window. Pure: no Node-RED.
//
// A dog rests often and then sprints, so one motion model does it badly: a model that keeps a velocity
// chases the noise of a resting dog's fixes, and one whose velocity decays to rest reads a 3 m/s run as
// 1 m/s. So this is an interacting multiple model (IMM) filter with two Kalman filters on [x, y, vx, vy]:
//  - rest: the dog stays put (velocity 0, a little position drift: sniffing, shifting);
//  - move: nearly constant velocity, white acceleration noise (`accelerationNoise`, m²/s³), the velocity
//    relaxing to zero only slowly (`velocityTimeConstantS`) so a long gap does not extrapolate forever.
// Each fix is fed to both after mixing them by the chance of a switch (mean stay `meanRestS`,
// `meanMoveS`); each model's probability follows how well it predicted the fix. The output is their
// mixture, with the spread between the models in its covariance. `restModel: false` leaves the move model
// alone (a plain constant-velocity Kalman filter). Fixes are measurements with their own covariance.
// Two gates, on the mixture:
//  - speed: a fix further from the last estimate than `maxSpeed` could carry the dog (plus 3 sigma of
//    both) is refused; after `resetAfterRejections` refusals in a row the track restarts at the fix
//    (the dog is really there, or the track was wrong);
//  - Mahalanobis: a fix that is merely unlikely (beyond 3 sigma) is down-weighted, not refused.
// After `restartAfterS` without fixes the track restarts rather than predict across the gap.
// A motion hint from the collar's accelerometer (AccelMotion below: still / moving / running) may come with
// a fix: it is one more observation of the model (right with probability `hintConfidence`), so "still"
// makes the rest model win at once instead of after a few quiet fixes, and it scales the process noise
// (less drift when still, more acceleration when running). No hint: the filter as without an accelerometer.
import type { Cov2 } from './solver';

/** What the collar's accelerometer says of the dog at a fix. */
export type MotionHint = 'still' | 'moving' | 'running';

export interface TrackerOptions {
  /** Spectral density of the white acceleration of the move model, m²/s³. */
  accelerationNoise: number;
  /** The move model's velocity relaxes to zero with this time constant, s. */
  velocityTimeConstantS: number;
  /** Mix in a rest model (IMM); false: the move model alone. */
  restModel: boolean;
  /** Position drift of a resting dog, m²/s (sniffing, turning round). */
  restDriftNoise: number;
  /** Mean time a dog stays at rest, and on the move, s: the models' switching rates. */
  meanRestS: number;
  meanMoveS: number;
  /** Fastest a dog runs, m/s (a greyhound sprints at 18; most dogs at 8–10). */
  maxSpeed: number;
  resetAfterRejections: number;
  /** A gap longer than this restarts the track, s. */
  restartAfterS: number;
  /** Chance that a "still" hint is right (0.5: it changes the models' weights not at all). */
  hintConfidence: number;
  /**
   * Chance that a "running" hint is right. "moving" changes nothing: the rest model smooths a walking or
   * sniffing dog's fixes better than the move model (measured, README), so it must stay free to win.
   */
  runningConfidence: number;
  /** The rest model's drift is scaled by this while the collar says still. */
  stillDriftFactor: number;
  /** The move model's acceleration noise is scaled by this while the collar says running. */
  runningNoiseFactor: number;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  accelerationNoise: 4,
  velocityTimeConstantS: 20,
  restModel: true,
  restDriftNoise: 0.3,
  meanRestS: 5,
  meanMoveS: 20,
  maxSpeed: 12,
  resetAfterRejections: 3,
  restartAfterS: 30,
  hintConfidence: 0.95,
  runningConfidence: 0.95,
  stillDriftFactor: 0.3,
  runningNoiseFactor: 2,
};

export type UpdateVerdict = 'started' | 'fused' | 'refused' | 'restarted';

export interface TrackState {
  ts: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  cov: Cov2;
  /** Probability that the dog is at rest (the rest model's weight), 0 without a rest model. */
  restProbability: number;
}

/** Velocity variance the rest model keeps per axis, (m/s)²: it knows the dog is still. */
const REST_VELOCITY_VARIANCE = 0.01;
/** Probabilities never reach 0 or 1, so a model can always win back. */
const MIN_PROBABILITY = 1e-4;

/** One Kalman filter of the bank: state [x, y, vx, vy] and its covariance (row-major 4x4). */
interface ModelFilter {
  readonly rest: boolean;
  readonly s: Float64Array;
  readonly p: Float64Array;
}

export class MotionTracker {
  readonly options: TrackerOptions;
  private readonly models: ModelFilter[];
  /** Probability of each model. */
  private readonly mu: Float64Array;
  private ts = Number.NaN;
  private rejections = 0;
  /** The hint of the last fix: it scales the process noise until the next one. */
  private hint: MotionHint | undefined;
  // Scratch space, so an update allocates nothing (thousands of dog-seconds a second on a busy hub).
  private readonly fp = new Float64Array(16);
  private readonly f = new Float64Array(16);
  private readonly mixS: Float64Array[];
  private readonly mixP: Float64Array[];
  private readonly combined = { s: new Float64Array(4), p: new Float64Array(16) };

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
    const kinds = this.options.restModel ? [true, false] : [false];
    this.models = kinds.map((rest) => ({ rest, s: new Float64Array(4), p: new Float64Array(16) }));
    this.mu = new Float64Array(kinds.length).fill(1 / kinds.length);
    this.mixS = kinds.map(() => new Float64Array(4));
    this.mixP = kinds.map(() => new Float64Array(16));
  }

  get started(): boolean {
    return !Number.isNaN(this.ts);
  }

  /** Where the tracker expects the dog at `ts` (no state change), for the solver's start. */
  predictedAt(ts: number): { x: number; y: number } | undefined {
    if (!this.started) return undefined;
    const dt = Math.max(0, (ts - this.ts) / 1000);
    let x = 0;
    let y = 0;
    for (let j = 0; j < this.models.length; j++) {
      const m = this.models[j];
      const carry = m.rest ? 0 : this.carry(dt);
      x += this.mu[j] * (m.s[0] + carry * m.s[2]);
      y += this.mu[j] * (m.s[1] + carry * m.s[3]);
    }
    return { x, y };
  }

  /**
   * Feeds one fix taken at `ts` (ms), with what the collar's accelerometer says of the dog then, if
   * anything. A fix older than the track is used as if taken now.
   */
  update(fix: { x: number; y: number; cov: Cov2 }, ts: number, hint?: MotionHint): UpdateVerdict {
    // A fix the filter cannot take (not finite, or a variance that is not positive) changes nothing.
    if (!usableFix(fix) || !Number.isFinite(ts)) return 'refused';
    this.hint = hint;
    if (!this.started || (ts - this.ts) / 1000 > this.options.restartAfterS) {
      const verdict = this.started ? 'restarted' : 'started';
      this.restart(fix, ts);
      if (hint !== undefined && this.models.length === 2) this.weighByHint(hint, true);
      return verdict;
    }
    const dt = Math.max(0, (ts - this.ts) / 1000);
    const before = this.combine();
    const r = fix.cov;
    const jump = Math.hypot(fix.x - before.s[0], fix.y - before.s[1]);
    const reach = this.options.maxSpeed * dt + 3 * Math.sqrt(before.p[0] + before.p[5] + r[0][0] + r[1][1]);
    if (jump > reach) {
      if (++this.rejections >= this.options.resetAfterRejections) {
        this.restart(fix, ts);
        return 'restarted';
      }
      return 'refused';
    }
    this.rejections = 0;

    this.mix(dt);
    if (hint !== undefined && this.models.length === 2) this.weighByHint(hint, false);
    let total = 0;
    for (let j = 0; j < this.models.length; j++) {
      const m = this.models[j];
      m.s.set(this.mixS[j]);
      m.p.set(this.mixP[j]);
      this.predict(m, dt);
      const likelihood = this.correct(m, fix);
      this.mu[j] *= likelihood;
      total += this.mu[j];
    }
    this.normalise(total);
    this.ts = Math.max(this.ts, ts);
    return 'fused';
  }

  /** The estimate carried forward to `ts` (no state change): positions are reported at a window's end. */
  stateAt(ts: number): TrackState {
    const dt = Math.max(0, (ts - this.ts) / 1000);
    const saved = this.models.map((m) => ({ s: m.s.slice(), p: m.p.slice() }));
    for (const m of this.models) this.predict(m, dt);
    const state = this.toState(Math.max(ts, this.ts));
    this.models.forEach((m, j) => {
      m.s.set(saved[j].s);
      m.p.set(saved[j].p);
    });
    return state;
  }

  state(): TrackState {
    return this.toState(this.ts);
  }

  private toState(ts: number): TrackState {
    const { s, p } = this.combine();
    return {
      ts,
      x: s[0],
      y: s[1],
      vx: s[2],
      vy: s[3],
      cov: [
        [p[0], p[1]],
        [p[4], p[5]],
      ],
      restProbability: this.options.restModel ? this.mu[0] : 0,
    };
  }

  /** The mixture of the models: mean and covariance with the spread between the models. */
  private combine(): { s: Float64Array; p: Float64Array } {
    const { s, p } = this.combined;
    s.fill(0);
    p.fill(0);
    for (let j = 0; j < this.models.length; j++)
      for (let i = 0; i < 4; i++) s[i] += this.mu[j] * this.models[j].s[i];
    for (let j = 0; j < this.models.length; j++) {
      const m = this.models[j];
      for (let i = 0; i < 4; i++)
        for (let k = 0; k < 4; k++)
          p[i * 4 + k] += this.mu[j] * (m.p[i * 4 + k] + (m.s[i] - s[i]) * (m.s[k] - s[k]));
    }
    return this.combined;
  }

  /**
   * IMM mixing over dt: each model starts from the blend of all models, weighted by the chance that the
   * dog was in that model and switched (or stayed). Leaves the predicted model probabilities in mu.
   */
  private mix(dt: number): void {
    const n = this.models.length;
    if (n === 1) {
      this.mixS[0].set(this.models[0].s);
      this.mixP[0].set(this.models[0].p);
      return;
    }
    const stayRest = Math.exp(-dt / this.options.meanRestS);
    const stayMove = Math.exp(-dt / this.options.meanMoveS);
    // transition[i][j]: from model i (0 rest, 1 move) to model j.
    const t = [
      [stayRest, 1 - stayRest],
      [1 - stayMove, stayMove],
    ];
    const predicted = [0, 0];
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) predicted[j] += t[i][j] * this.mu[i];
    for (let j = 0; j < n; j++) {
      const xs = this.mixS[j];
      const ps = this.mixP[j];
      xs.fill(0);
      ps.fill(0);
      for (let i = 0; i < n; i++) {
        const w = (t[i][j] * this.mu[i]) / predicted[j];
        for (let k = 0; k < 4; k++) xs[k] += w * this.models[i].s[k];
      }
      for (let i = 0; i < n; i++) {
        const w = (t[i][j] * this.mu[i]) / predicted[j];
        const m = this.models[i];
        for (let a = 0; a < 4; a++)
          for (let b = 0; b < 4; b++)
            ps[a * 4 + b] += w * (m.p[a * 4 + b] + (m.s[a] - xs[a]) * (m.s[b] - xs[b]));
      }
    }
    for (let j = 0; j < n; j++) this.mu[j] = predicted[j];
  }

  /** The hint as an observation of the model: P(hint | rest) against P(hint | move). */
  private weighByHint(hint: MotionHint, normalise: boolean): void {
    if (hint === 'moving') return;
    const still = hint === 'still';
    const given = still ? this.options.hintConfidence : this.options.runningConfidence;
    const c = Math.min(Math.max(given, 0.5), 1 - MIN_PROBABILITY);
    this.mu[0] *= still ? c : 1 - c;
    this.mu[1] *= still ? 1 - c : c;
    if (normalise) this.normalise(this.mu[0] + this.mu[1]);
  }

  private normalise(total: number): void {
    const n = this.models.length;
    if (!(total > 0) || !Number.isFinite(total)) {
      this.mu.fill(1 / n);
      return;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) {
      this.mu[j] = Math.max(this.mu[j] / total, MIN_PROBABILITY);
      sum += this.mu[j];
    }
    for (let j = 0; j < n; j++) this.mu[j] /= sum;
  }

  /** Kalman update of one model with the fix; returns the fix's likelihood under that model. */
  private correct(m: ModelFilter, fix: { x: number; y: number; cov: Cov2 }): number {
    const p = m.p;
    const yx = fix.x - m.s[0];
    const yy = fix.y - m.s[1];
    const r = fix.cov;
    let r11 = r[0][0];
    let r12 = r[0][1];
    let r22 = r[1][1];
    let s11 = p[0] + r11;
    let s12 = p[1] + r12;
    let s22 = p[5] + r22;
    let det = s11 * s22 - s12 * s12;
    // The innovation covariance must be positive definite to divide by it (and by its root): else this
    // model learns nothing from the fix, and the fix says nothing for it.
    if (!(det > 0 && Number.isFinite(det))) return 0;
    const d2 = (s22 * yx * yx - 2 * s12 * yx * yy + s11 * yy * yy) / det;
    // The likelihood from the innovation before any down-weighting: a model that did not expect the fix
    // must lose weight.
    const likelihood = Math.exp(-0.5 * d2) / (2 * Math.PI * Math.sqrt(det));
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
      if (!(det > 0 && Number.isFinite(det))) return 0;
    }
    const i11 = s22 / det;
    const i12 = -s12 / det;
    const i22 = s11 / det;
    // Gain K = P H' S^-1 (4x2); H picks x and y, so P H' is the first two columns of P.
    const k = this.f; // scratch: 8 values
    for (let row = 0; row < 4; row++) {
      const a = p[row * 4];
      const b = p[row * 4 + 1];
      k[row * 2] = a * i11 + b * i12;
      k[row * 2 + 1] = a * i12 + b * i22;
    }
    for (let row = 0; row < 4; row++) m.s[row] += k[row * 2] * yx + k[row * 2 + 1] * yy;
    // P = P - K H P (then symmetrised): H P is the first two rows of P.
    const next = this.fp;
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
    if (m.rest) {
      m.s[2] = 0;
      m.s[3] = 0;
    } else {
      // A dog does not outrun maxSpeed: keep the velocity honest after a noisy fix.
      const speed = Math.hypot(m.s[2], m.s[3]);
      if (speed > this.options.maxSpeed) {
        const f = this.options.maxSpeed / speed;
        m.s[2] *= f;
        m.s[3] *= f;
      }
    }
    return likelihood;
  }

  private restart(fix: { x: number; y: number; cov: Cov2 }, ts: number): void {
    for (const m of this.models) {
      m.s.set([fix.x, fix.y, 0, 0]);
      m.p.fill(0);
      m.p[0] = fix.cov[0][0];
      m.p[1] = m.p[4] = fix.cov[0][1];
      m.p[5] = fix.cov[1][1];
      // Unknown velocity: a trotting dog's speed per axis (the rest model knows it is still).
      m.p[10] = m.p[15] = m.rest ? REST_VELOCITY_VARIANCE : 4;
    }
    this.mu.fill(1 / this.models.length);
    this.ts = ts;
    this.rejections = 0;
  }

  /** Distance gained per unit of velocity over dt with the velocity relaxing: tau (1 - e^(-dt/tau)). */
  private carry(dt: number): number {
    const tau = this.options.velocityTimeConstantS;
    return tau * (1 - Math.exp(-dt / tau));
  }

  private predict(m: ModelFilter, dt: number): void {
    if (dt <= 0) return;
    const p = m.p;
    if (m.rest) {
      // Still: the velocity is zero and known to be; the position drifts a little.
      m.s[2] = 0;
      m.s[3] = 0;
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) if (i >= 2 || j >= 2) p[i * 4 + j] = i === j ? REST_VELOCITY_VARIANCE : 0;
      const drift = this.options.restDriftNoise * (this.hint === 'still' ? this.options.stillDriftFactor : 1);
      p[0] += drift * dt;
      p[5] += drift * dt;
      return;
    }
    const c = this.carry(dt);
    const a = Math.exp(-dt / this.options.velocityTimeConstantS);
    // F = [[1,0,c,0],[0,1,0,c],[0,0,a,0],[0,0,0,a]] per axis pair.
    m.s[0] += c * m.s[2];
    m.s[1] += c * m.s[3];
    m.s[2] *= a;
    m.s[3] *= a;
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
    const q =
      this.options.accelerationNoise * (this.hint === 'running' ? this.options.runningNoiseFactor : 1);
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

export interface AccelMotionOptions {
  /** Change between consecutive frames below which the collar is still, g (dog-activity's rest level). */
  stillMaxG: number;
  /** Median change from which the dog runs, g (dog-activity's running level). */
  runMinG: number;
  /** A hint older than this (no newer frame) says nothing, ms: Minew tags send a frame a second. */
  staleMs: number;
}

export const DEFAULT_ACCEL_MOTION_OPTIONS: AccelMotionOptions = {
  stillMaxG: 0.07,
  runMinG: 1.0,
  staleMs: 2500,
};

/** Frames kept per dog: the median of the last 3 changes says running; the last 2 must agree on still. */
const ACCEL_DIFFS = 3;
/** The same vector within this time is the same frame heard by another scanner, ms. */
const ACCEL_DUPLICATE_MS = 500;

/**
 * A dog's motion from its collar's accelerometer frames (Minew `minew-accel`, x y z in g): the norm of the
 * change between consecutive frames (orientation drops out, so a dog lying on its side is still), as
 * dog-activity classifies them but per frame rather than per minute, because the tracker needs to know
 * within a second or two that a resting dog got up. Still needs the last two changes quiet (one quiet
 * pair in a walk says nothing); running, the median of the last three high. Bounded: a few numbers.
 */
export class AccelMotion {
  readonly options: AccelMotionOptions;
  private last: { ts: number; v: [number, number, number] } | undefined;
  private readonly diffs: number[] = [];
  private diffTs = -Infinity;

  constructor(options: Partial<AccelMotionOptions> = {}) {
    this.options = { ...DEFAULT_ACCEL_MOTION_OPTIONS, ...options };
  }

  /** One frame at `ts` (ms); non-finite vectors, repeats from other scanners and late frames are skipped. */
  frame(ts: number, v: readonly number[]): void {
    if (!Number.isFinite(ts) || v.length < 3 || !v.slice(0, 3).every(Number.isFinite)) return;
    const vec: [number, number, number] = [v[0], v[1], v[2]];
    const last = this.last;
    if (last) {
      if (ts < last.ts) return;
      const same = vec[0] === last.v[0] && vec[1] === last.v[1] && vec[2] === last.v[2];
      if (same && ts - last.ts < ACCEL_DUPLICATE_MS) return;
      // Frames far apart say nothing about the motion between them.
      if (ts - last.ts <= 2 * this.options.staleMs) {
        this.diffs.push(Math.hypot(vec[0] - last.v[0], vec[1] - last.v[1], vec[2] - last.v[2]));
        if (this.diffs.length > ACCEL_DIFFS) this.diffs.shift();
        this.diffTs = ts;
      } else {
        this.diffs.length = 0;
      }
    }
    this.last = { ts, v: vec };
  }

  /** What the frames say of the dog at `ts`, or nothing (no recent frames, or not clear). */
  hint(ts: number): MotionHint | undefined {
    const n = this.diffs.length;
    if (n === 0 || Math.abs(ts - this.diffTs) > this.options.staleMs) return undefined;
    const o = this.options;
    const newest = this.diffs[n - 1];
    if (newest < o.stillMaxG) return n >= 2 && this.diffs[n - 2] < o.stillMaxG ? 'still' : undefined;
    const sorted = [...this.diffs].sort((a, b) => a - b);
    return n >= ACCEL_DIFFS && sorted[1] >= o.runMinG ? 'running' : 'moving';
  }
}

/** Finite, with a positive variance on each axis and a covariance that is positive semi-definite. */
function usableFix(fix: { x: number; y: number; cov: Cov2 }): boolean {
  const [[a, b], [c, d]] = fix.cov;
  return (
    Number.isFinite(fix.x) &&
    Number.isFinite(fix.y) &&
    Number.isFinite(a) &&
    Number.isFinite(b) &&
    Number.isFinite(c) &&
    Number.isFinite(d) &&
    a > 0 &&
    d > 0 &&
    a * d - b * c >= 0
  );
}

// Scanner-to-scanner calibration. Pure: no Node-RED.
//
// Each scanner may advertise a beacon of its own (reading id `scanner:<scanner id>`, see
// docs/CONTRACT-EXTENSIONS.md). The site knows where every scanner is, so each link (scanner t's beacon
// heard by scanner r) is a reading at a known range. Per link we keep a robust running mean of the RSSI,
// and from all links fit, by Huber-reweighted least squares with priors:
//   mean(t -> r) - model_r(d_tr) = tx_t + rx_r - 10 (dn + dn_r) log10 d_tr
// tx_t: scanner t's transmit power error (a nuisance), rx_r: scanner r's receive offset against the site,
// dn: the site's exponent error, dn_r: scanner r's own (shrunk to 0 with a prior sigma of 0.1: links, all
// between 10 and 40 m, span too little of log d to tell it from the offset).
// The two links of a pair share one shadowing (the path is the same both ways), so a pair heard both ways
// enters as its sum (the shadowing twice: it tells offsets and the site's exponent, loosely) and its
// difference (no shadowing: tx - rx per scanner, and the receivers' exponents apart, closely); treating
// the two links as independent looks counted the shadowing twice as often and trusted it twice too much,
// which in a 4-scanner site (6 pairs) made the offsets worse than none. A shift common to
// every rx is the same as one common to every tx, so the rx offsets are fitted centred on zero: the
// collar's level (each dog's running level offset) takes the common part. What this cannot learn: a
// collar's own power (its beacon is on a dog, at no known place) and losses near the collar (body, coat).
// Links are between antennas at scanner height, so the exponent learned is that of the house or the yard
// between scanners, which a collar at 0.5 m only roughly shares.

/** The reading id of scanner `id`'s own beacon. */
export const SCANNER_BEACON_PREFIX = 'scanner:';

/** The scanner whose beacon a reading id names, or undefined. */
export function scannerOfBeacon(id: string | undefined): string | undefined {
  if (typeof id !== 'string' || !id.toLowerCase().startsWith(SCANNER_BEACON_PREFIX)) return undefined;
  const scanner = id.slice(SCANNER_BEACON_PREFIX.length);
  return scanner.length > 0 ? scanner : undefined;
}

export interface CalibrationAnchor {
  id: string;
  x: number;
  y: number;
  z: number;
  rssiOffset: number;
  pathLossExponent: number;
}

/** What the fit learned of one scanner, with one-sigma uncertainties. */
export interface ScannerCalibration {
  /** dB to add to the site's rssiOffset. */
  offsetDb: number;
  offsetSigmaDb: number;
  /** To add to the site's path-loss exponent (the site's error plus this scanner's own). */
  exponentDelta: number;
  exponentSigma: number;
  /** Links heard by this scanner that the fit used. */
  links: number;
}

/** The state kept across restarts (JSON). */
export interface CalibrationState {
  v: 1;
  /** [transmitting scanner, receiving scanner, mean RSSI dBm, variance dB², readings]. */
  links: Array<[string, string, number, number, number]>;
  /** Each dog's learned level offset, dB: its collar's power against the site's rssiAt1m. */
  dogs: Record<string, number>;
  /**
   * Where each scanner stood (x, y, z m) when the state was saved: a restart into a site where one has
   * moved forgets that scanner's links, as a live site edit does. Absent in states saved before it.
   */
  scanners?: Record<string, [number, number, number]>;
}

interface Link {
  tx: string;
  rx: string;
  mean: number;
  variance: number;
  n: number;
}

/** A link's mean weighs its readings equally up to this many, then exponentially (it follows drift). */
const LINK_MEMORY = 200;
/** A reading this many sigmas off its link's mean is a reflection: it counts clipped. */
const LINK_CLIP_SIGMAS = 3;
/** A link's mean is taken only after this many readings. */
const MIN_LINK_READINGS = 5;
/** Most links kept (64 scanners heard by each other); more are ignored. */
const MAX_LINKS = 4096;
/** The fit runs on at most this many scanners (its linear system grows as their cube). */
const MAX_FIT_SCANNERS = 64;
/** Error of one link's mean around the model: shadowing of a fixed path, which never averages out, dB. */
const LINK_SIGMA_DB = 4;
/** The links' shadowing sigma is learned within these bounds, dB, as if LINK_SIGMA_DB came with this many rows. */
const MIN_LINK_SIGMA_DB = 1;
const MAX_LINK_SIGMA_DB = 10;
const SHADOW_PSEUDO_ROWS = 1;
const FIT_ITERATIONS = 6;
/** What differs between the two directions of a pair beyond the gains: antenna patterns, multipath, dB. */
const LINK_ASYMMETRY_DB = 1;
const HUBER_K = 1.5;
/**
 * Prior sigmas, what is known before any link is heard: a Pi's receive gain and its advertising power each
 * differ by a few dB from the next one's (antenna, enclosure, where it sits: 3 dB), the site's exponent may
 * be off by 1. Tight enough that a small site, whose few links cannot separate all of these, falls back
 * on them instead of on noise; loose enough that the links decide where they can. Each scanner's own
 * exponent differs from the site's by a few tenths, but the links cannot tell that from its offset, so its
 * prior is tighter than that (0.1; 0.2 and 0.3 measured no better: sparse yard 5.48 / 5.49 / 5.53 m).
 */
const RX_PRIOR_DB = 3;
const TX_PRIOR_DB = 3;
const SITE_EXPONENT_PRIOR = 1;
const SCANNER_EXPONENT_PRIOR = 0.1;
/** Largest corrections applied, whatever the fit says. */
const MAX_OFFSET_DB = 12;
const MAX_EXPONENT_DELTA = 1.5;
/** A dog's level offset beyond this is not a collar's power error. */
const MAX_DOG_LEVEL_DB = 20;

export class LinkCalibration {
  private readonly links = new Map<string, Link>();
  private changed = false;

  get linkCount(): number {
    return this.links.size;
  }

  /** Whether a reading arrived since the last fit. */
  get dirty(): boolean {
    return this.changed;
  }

  /** One reading of scanner `tx`'s beacon at scanner `rx`. */
  observe(tx: string, rx: string, rssi: number): void {
    if (tx === rx || !Number.isFinite(rssi)) return;
    const key = `${tx}\n${rx}`;
    let link = this.links.get(key);
    if (!link) {
      if (this.links.size >= MAX_LINKS) return;
      link = { tx, rx, mean: rssi, variance: 25, n: 0 };
      this.links.set(key, link);
    }
    const sd = Math.sqrt(link.variance);
    const value =
      link.n >= MIN_LINK_READINGS
        ? Math.min(Math.max(rssi, link.mean - LINK_CLIP_SIGMAS * sd), link.mean + LINK_CLIP_SIGMAS * sd)
        : rssi;
    link.n++;
    const rate = 1 / Math.min(link.n, LINK_MEMORY);
    const delta = value - link.mean;
    link.mean += rate * delta;
    link.variance = Math.max((1 - rate) * (link.variance + rate * delta * delta), 0.25);
    this.changed = true;
  }

  clear(): void {
    this.links.clear();
    this.changed = true;
  }

  exportLinks(): CalibrationState['links'] {
    return [...this.links.values()].map((l) => [l.tx, l.rx, l.mean, l.variance, l.n]);
  }

  /** Restores links from a saved state; entries that are not well formed are skipped. */
  importLinks(links: unknown): void {
    if (!Array.isArray(links)) return;
    for (const item of links.slice(0, MAX_LINKS)) {
      if (!Array.isArray(item) || item.length !== 5) continue;
      const [tx, rx, mean, variance, n] = item as unknown[];
      if (typeof tx !== 'string' || typeof rx !== 'string' || tx === rx) continue;
      if (![mean, variance, n].every((v) => typeof v === 'number' && Number.isFinite(v))) continue;
      if ((variance as number) <= 0 || (n as number) < 1) continue;
      this.links.set(`${tx}\n${rx}`, {
        tx,
        rx,
        mean: mean as number,
        variance: variance as number,
        n: Math.min(n as number, 1e9),
      });
    }
    this.changed = true;
  }

  /**
   * Fits the scanners' receive offsets and exponents from the links among `anchors` (each link's
   * transmitter's beacon at `beaconRssiAt1m`, a guess the fit corrects per scanner). Scanners heard on
   * fewer than two links get no entry.
   */
  fit(anchors: readonly CalibrationAnchor[], beaconRssiAt1m: number): Map<string, ScannerCalibration> {
    this.changed = false;
    const out = new Map<string, ScannerCalibration>();
    const list = anchors.slice(0, MAX_FIT_SCANNERS);
    const index = new Map(list.map((a, i) => [a.id, i]));
    const n = list.length;
    // Unknowns: tx 0..n-1, rx n..2n-1, site exponent error 2n, each scanner's exponent 2n+1..3n.
    const size = 3 * n + 1;
    /** One directed link's residual against the site's model, and its columns in the unknowns. */
    const linkRow = (
      l: Link,
    ): { y: number; cols: Array<[number, number]>; v: number; r: number } | undefined => {
      const t = index.get(l.tx);
      const r = index.get(l.rx);
      if (t === undefined || r === undefined || l.n < MIN_LINK_READINGS) return undefined;
      const at = list[t]!;
      const ar = list[r]!;
      const logD = Math.log10(Math.max(Math.hypot(at.x - ar.x, at.y - ar.y, at.z - ar.z), 0.1));
      const model = beaconRssiAt1m + ar.rssiOffset - 10 * ar.pathLossExponent * logD;
      const cols: Array<[number, number]> = [
        [t, 1],
        [n + r, 1],
        [2 * n, -10 * logD],
        [2 * n + 1 + r, -10 * logD],
      ];
      return { y: l.mean - model, cols, v: l.variance / l.n, r };
    };
    // The shadowing of a path between two scanners is the same both ways (reciprocity), so the two links
    // of a pair are not two independent looks: their difference has no shadowing at all (it tells the
    // transmit and receive gains apart), their sum has it twice. A pair heard both ways gives those two
    // rows (independent, with their own variances); a link heard one way, one row with the shadowing.
    // Each row: its variance without the shadowing (`base`) and how many times the shadowing enters it (k).
    const rows: Array<{ cols: Array<[number, number]>; y: number; base: number; k: number }> = [];
    const perRx = new Array<number>(n).fill(0);
    const used = new Set<Link>();
    for (const l of this.links.values()) {
      if (used.has(l)) continue;
      const a = linkRow(l);
      if (!a) continue;
      used.add(l);
      perRx[a.r]!++;
      const back = this.links.get(`${l.rx}\n${l.tx}`);
      const b = back && !used.has(back) ? linkRow(back) : undefined;
      if (!back || !b) {
        rows.push({ cols: a.cols, y: a.y, base: LINK_ASYMMETRY_DB ** 2 + a.v, k: 1 });
        continue;
      }
      used.add(back);
      perRx[b.r]!++;
      const merge = (sign: number): Array<[number, number]> => {
        const sum = new Map<number, number>();
        for (const [i, c] of a.cols) sum.set(i, (sum.get(i) ?? 0) + c);
        for (const [i, c] of b.cols) sum.set(i, (sum.get(i) ?? 0) + sign * c);
        return [...sum].filter(([, c]) => c !== 0);
      };
      const base = 2 * LINK_ASYMMETRY_DB ** 2 + a.v + b.v;
      rows.push({ cols: merge(1), y: a.y + b.y, base, k: 2 });
      rows.push({ cols: merge(-1), y: a.y - b.y, base, k: 0 });
    }
    if (rows.length < 3 || n < 3) return out;
    let x: Float64Array = new Float64Array(size);
    let normal: Float64Array = new Float64Array(size * size);
    let chi2 = 0;
    // The links' shadowing sigma, from the rows that carry it (a few pseudo-rows at LINK_SIGMA_DB keep a
    // small site, with hardly any rows to spare, near it): a site of clear sight lines trusts its links more.
    let shadow2 = LINK_SIGMA_DB ** 2;
    const shadowRows = rows.filter((r) => r.k > 0).length;
    const shadowDof = Math.max(shadowRows - n - 1, 0);
    for (let iter = 0; iter < FIT_ITERATIONS; iter++) {
      normal = new Float64Array(size * size);
      const rhs = new Float64Array(size);
      chi2 = 0;
      const add = (cols: ReadonlyArray<[number, number]>, y: number, w: number): void => {
        for (const [i, ai] of cols) {
          rhs[i]! += w * ai * y;
          for (const [j, aj] of cols) normal[i * size + j]! += w * ai * aj;
        }
      };
      let shadowSq = 0;
      for (const row of rows) {
        const cols = row.cols;
        const predicted = cols.reduce((s, [i, a]) => s + a * x[i]!, 0);
        const w = 1 / (row.base + row.k * row.k * shadow2);
        const u = (row.y - predicted) * Math.sqrt(w);
        const huber = Math.abs(u) <= HUBER_K ? 1 : HUBER_K / Math.abs(u);
        chi2 += u * u * huber;
        add(cols, row.y, w * huber);
        // This row's shadowing, clipped as the Huber weight clips it (one reflection does not set sigma).
        if (row.k > 0) shadowSq += Math.min(((row.y - predicted) / row.k) ** 2, HUBER_K ** 2 * shadow2);
      }
      if (iter > 0)
        shadow2 = clamp(
          (SHADOW_PSEUDO_ROWS * LINK_SIGMA_DB ** 2 + shadowSq) / (SHADOW_PSEUDO_ROWS + shadowDof),
          MIN_LINK_SIGMA_DB ** 2,
          MAX_LINK_SIGMA_DB ** 2,
        );
      for (let i = 0; i < n; i++) {
        add([[i, 1]], 0, 1 / TX_PRIOR_DB ** 2);
        add([[n + i, 1]], 0, 1 / RX_PRIOR_DB ** 2);
        add([[2 * n + 1 + i, 1]], 0, 1 / SCANNER_EXPONENT_PRIOR ** 2);
      }
      add([[2 * n, 1]], 0, 1 / SITE_EXPONENT_PRIOR ** 2);
      // The rx offsets sum to zero (a common shift is the collars' level, not any scanner's).
      add(
        list.map((_, i) => [n + i, 1] as [number, number]),
        0,
        1e4,
      );
      const solved = solveSymmetric(normal, rhs, size);
      if (!solved) return out;
      x = solved;
    }
    const dof = Math.max(rows.length - (2 * n + 1), 1);
    const scale = Math.max(chi2 / dof, 1);
    const inverse = invertSymmetric(normal, size);
    for (let i = 0; i < n; i++) {
      if (perRx[i]! < 2) continue;
      const rx = n + i;
      const ex = 2 * n + 1 + i;
      const site = 2 * n;
      const varRx = inverse ? inverse[rx * size + rx]! * scale : RX_PRIOR_DB ** 2;
      const varEx = inverse
        ? (inverse[ex * size + ex]! + inverse[site * size + site]! + 2 * inverse[ex * size + site]!) * scale
        : SITE_EXPONENT_PRIOR ** 2;
      const offsetDb = clamp(x[rx]!, -MAX_OFFSET_DB, MAX_OFFSET_DB);
      const exponentDelta = clamp(x[site]! + x[ex]!, -MAX_EXPONENT_DELTA, MAX_EXPONENT_DELTA);
      if (![offsetDb, exponentDelta, varRx, varEx].every(Number.isFinite)) continue;
      out.set(list[i]!.id, {
        offsetDb,
        offsetSigmaDb: Math.sqrt(Math.max(varRx, 0)),
        exponentDelta,
        exponentSigma: Math.sqrt(Math.max(varEx, 0)),
        links: perRx[i]!,
      });
    }
    return out;
  }
}

/** A dog level offset read back from a saved state, or undefined when it is not one. */
export function savedDogLevel(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_DOG_LEVEL_DB
    ? value
    : undefined;
}

/** Solves the symmetric positive-definite system a x = b (Cholesky); undefined when it is not. */
function solveSymmetric(a: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const l = cholesky(a, n);
  return l && substitute(l, b, n);
}

/** x with l lᵀ x = b, l the Cholesky factor. */
function substitute(l: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j]!;
      }
    }
  }
  return l;
}

function invertSymmetric(a: Float64Array, n: number): Float64Array | undefined {
  const l = cholesky(a, n);
  if (!l) return undefined;
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const e = new Float64Array(n);
    e[c] = 1;
    const col = substitute(l, e, n);
    for (let r = 0; r < n; r++) inv[r * n + c] = col[r]!;
  }
  return inv;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

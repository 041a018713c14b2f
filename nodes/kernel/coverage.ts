// Coverage: the accuracy a site's scanners can give at each spot, and where one more scanner helps most.
// Pure: no Node-RED here.
//
// Each scanner's reading follows the log-distance model of path-loss.ts,
//   rssi = rssiAt1m - 10 n log10(d) + offset + noise,  noise ~ N(0, sigma²),  d the 3-D distance,
// so its Fisher information about the tag's horizontal position p is
//   J_i = (10 n / (ln 10 · sigma))² · (p - s_i)(p - s_i)ᵀ / d⁴      (horizontal components of p - s_i)
// and the Cramér-Rao bound on the position's covariance is (Σ J_i)⁻¹. The 1-sigma radius reported is
// sqrt(trace((Σ J_i)⁻¹)), the RMS radial error an unbiased estimator cannot beat (the DRMS).
// A scanner whose expected RSSI is below the receiver's sensitivity hears nothing and adds nothing.
import { distance3d, expectedRssi } from './path-loss';
import type { Site } from './site-document';

export interface CoverageOptions {
  /** Grid cell size, metres (the cell's centre is evaluated). Default: chosen so the grid has ≤ maxCells. */
  cellM?: number;
  /** Largest number of cells; a coarser grid is used above it (bounds the work). Default 6400. */
  maxCells?: number;
  /** Per-reading RSSI standard deviation, dB. Default 5 (shadowing 4 dB and fading 3 dB together). */
  sigmaDb?: number;
  /** Readings each scanner delivers per fix (information adds up). Default 1. */
  readingsPerFix?: number;
  /** Weakest RSSI a scanner decodes, dBm. Default -98. */
  sensitivityDbm?: number;
  /** Metres added around the scanners and zones when the area is not given. Default 2. */
  marginM?: number;
  /** The area to cover; default: the box around scanners and zones, plus the margin. */
  area?: Area;
  /** Radius reported where fewer than two scanners give a fix (m). Default: the area's diagonal. */
  capM?: number;
}

export interface Area {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface CoverageGrid {
  area: Area;
  cellM: number;
  cols: number;
  rows: number;
  /** 1-sigma radius (m) per cell, row-major from (minX, minY); capped at `capM`, always finite. */
  accuracyM: number[];
  /** Scanners heard per cell. */
  heard: number[];
  capM: number;
  /** Worst (largest) and mean radius over the cells, m. */
  worstM: number;
  meanM: number;
}

export interface ScannerLike {
  x: number;
  y: number;
  z: number;
  rssiOffset: number;
  pathLossExponent: number;
}

export interface Suggestion {
  x: number;
  y: number;
  /** Worst and mean radius with the extra scanner, m. */
  worstM: number;
  meanM: number;
}

export interface NextScanner {
  /** The spot that lowers the worst cell most (ties: the better mean). */
  forWorst: Suggestion;
  /** The spot that lowers the mean most. */
  forMean: Suggestion;
  /** Candidates tried (a grid over the area, at most maxCandidates). */
  candidates: number;
}

const LN10 = Math.log(10);
/** Below this squared distance the far-field model means nothing (as in the solver). */
const MIN_D2 = 0.01;
/** A singular information matrix ranks as this radius (m) when suggestions are compared. */
const RANKING_CAP_M = 1e6;
const DEFAULTS = { maxCells: 6400, sigmaDb: 5, readingsPerFix: 1, sensitivityDbm: -98, marginM: 2 };

/** The site's tag: its default height and 1 m RSSI (dogs may differ; coverage is for a typical collar). */
interface Tag {
  height: number;
  rssiAt1m: number;
}

interface Setup {
  tag: Tag;
  sigmaDb: number;
  readingsPerFix: number;
  sensitivityDbm: number;
  area: Area;
  cellM: number;
  cols: number;
  rows: number;
  capM: number;
}

function setup(site: Site, options: CoverageOptions): Setup {
  const margin = options.marginM ?? DEFAULTS.marginM;
  const area = options.area ?? areaOf(site, margin);
  const w = Math.max(area.maxX - area.minX, 1e-3);
  const h = Math.max(area.maxY - area.minY, 1e-3);
  const maxCells = Math.max(1, Math.floor(options.maxCells ?? DEFAULTS.maxCells));
  const smallest = Math.sqrt((w * h) / maxCells);
  const cellM = Math.max(options.cellM ?? 0.5, smallest, 0.05);
  const cols = Math.max(1, Math.ceil(w / cellM - 1e-9));
  const rows = Math.max(1, Math.ceil(h / cellM - 1e-9));
  return {
    tag: { height: site.defaults.tagHeight, rssiAt1m: site.defaults.rssiAt1m },
    sigmaDb: options.sigmaDb ?? DEFAULTS.sigmaDb,
    readingsPerFix: options.readingsPerFix ?? DEFAULTS.readingsPerFix,
    sensitivityDbm: options.sensitivityDbm ?? DEFAULTS.sensitivityDbm,
    area,
    cellM,
    cols,
    rows,
    capM: options.capM ?? Math.hypot(w, h),
  };
}

/** The box around the scanners and every zone, grown by `marginM`; a 10 m box at 0 for an empty site. */
export function areaOf(site: Site, marginM = DEFAULTS.marginM): Area {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of site.scanners) {
    xs.push(s.x);
    ys.push(s.y);
  }
  for (const z of site.zones) {
    if (z.shape === 'polygon') {
      for (const [x, y] of z.polygon) {
        xs.push(x);
        ys.push(y);
      }
    } else {
      xs.push(z.circle.x - z.circle.r, z.circle.x + z.circle.r);
      ys.push(z.circle.y - z.circle.r, z.circle.y + z.circle.r);
    }
  }
  if (xs.length === 0) return { minX: -5, minY: -5, maxX: 5, maxY: 5 };
  return {
    minX: Math.min(...xs) - marginM,
    minY: Math.min(...ys) - marginM,
    maxX: Math.max(...xs) + marginM,
    maxY: Math.max(...ys) + marginM,
  };
}

/** Adds one scanner's Fisher information at (x, y) to `into` ([J11, J12, J22]); false if it hears nothing. */
/** Fisher information of x and y, summed: [xx, xy, yy]. */
type Info = [number, number, number];

function addInformation(s: ScannerLike, x: number, y: number, u: Setup, into: Info): boolean {
  const d = distance3d(x, y, u.tag.height, s.x, s.y, s.z);
  const rssi = expectedRssi(d, {
    rssiAt1m: u.tag.rssiAt1m,
    pathLossExponent: s.pathLossExponent,
    rssiOffset: s.rssiOffset,
  });
  if (rssi < u.sensitivityDbm) return false;
  const dx = x - s.x;
  const dy = y - s.y;
  const d2 = Math.max(d * d, MIN_D2);
  const k = (10 * s.pathLossExponent) / LN10 / u.sigmaDb / d2;
  const w = u.readingsPerFix * k * k;
  into[0] += w * dx * dx;
  into[1] += w * dx * dy;
  into[2] += w * dy * dy;
  return true;
}

/** sqrt(trace(J⁻¹)) capped at `cap`; a singular J (one scanner, or all in a line with the spot) is the cap. */
function radius(j11: number, j12: number, j22: number, cap: number): number {
  const det = j11 * j22 - j12 * j12;
  const scale = Math.max(j11 + j22, 1e-300);
  if (!(det > 1e-9 * scale * scale)) return cap;
  const r = Math.sqrt((j11 + j22) / det);
  return Number.isFinite(r) ? Math.min(r, cap) : cap;
}

function cellCentre(u: Setup, i: number): [number, number] {
  const col = i % u.cols;
  const row = Math.floor(i / u.cols);
  return [
    Math.min(u.area.minX + (col + 0.5) * u.cellM, u.area.maxX),
    Math.min(u.area.minY + (row + 0.5) * u.cellM, u.area.maxY),
  ];
}

/** Per-cell information of the site's scanners (flat [J11, J12, J22] triples) and the count heard. */
function information(site: Site, u: Setup): { info: Float64Array; heard: number[] } {
  const n = u.cols * u.rows;
  const info = new Float64Array(3 * n);
  const heard = new Array<number>(n).fill(0);
  const acc: Info = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [x, y] = cellCentre(u, i);
    acc[0] = acc[1] = acc[2] = 0;
    for (const s of site.scanners) if (addInformation(s, x, y, u, acc)) heard[i] = (heard[i] ?? 0) + 1;
    info[3 * i] = acc[0];
    info[3 * i + 1] = acc[1];
    info[3 * i + 2] = acc[2];
  }
  return { info, heard };
}

/** The accuracy (CRLB 1-sigma radius, m) the site's scanners can give over a grid of its area. */
export function coverage(site: Site, options: CoverageOptions = {}): CoverageGrid {
  const u = setup(site, options);
  const { info, heard } = information(site, u);
  const accuracyM = new Array<number>(heard.length);
  let worst = 0;
  let sum = 0;
  for (let i = 0; i < heard.length; i++) {
    const r = radius(info[3 * i] ?? 0, info[3 * i + 1] ?? 0, info[3 * i + 2] ?? 0, u.capM);
    accuracyM[i] = r;
    worst = Math.max(worst, r);
    sum += r;
  }
  return {
    area: u.area,
    cellM: u.cellM,
    cols: u.cols,
    rows: u.rows,
    accuracyM,
    heard,
    capM: u.capM,
    worstM: worst,
    meanM: sum / heard.length,
  };
}

/** The accuracy at one spot (m), for checks against measured errors. */
export function accuracyAt(site: Site, x: number, y: number, options: CoverageOptions = {}): number {
  const u = setup(site, { ...options, area: options.area ?? areaOf(site, options.marginM) });
  const acc: Info = [0, 0, 0];
  for (const s of site.scanners) addInformation(s, x, y, u, acc);
  return radius(acc[0], acc[1], acc[2], u.capM);
}

/**
 * Where one more scanner (at the site's default height, offset 0 and exponent) would lower the worst
 * cell's radius most, and where it would lower the mean most. Candidates are a grid over the area; the
 * work is cells × candidates, bounded by `maxCandidates` (default 400) and the grid's `maxCells`.
 */
export function suggestScanner(site: Site, options: SuggestOptions = {}): NextScanner {
  const steps = suggestScannerSteps(site, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export type SuggestOptions = CoverageOptions & { maxCandidates?: number };

/**
 * suggestScanner in steps: yields after each row of candidates, so a server can spread the work over
 * several turns of its event loop; the generator's return value is the answer.
 */
export function* suggestScannerSteps(site: Site, options: SuggestOptions = {}): Generator<void, NextScanner> {
  const u = setup(site, { maxCells: 1600, ...options });
  const { info } = information(site, u);
  const n = u.cols * u.rows;
  const maxCandidates = Math.max(1, Math.floor(options.maxCandidates ?? 400));
  const w = u.area.maxX - u.area.minX;
  const h = u.area.maxY - u.area.minY;
  const step = Math.max(Math.sqrt((w * h) / maxCandidates), u.cellM);
  const candCols = Math.max(1, Math.round(w / step));
  const candRows = Math.max(1, Math.round(h / step));
  const acc: Info = [0, 0, 0];
  let forWorst: Suggestion | undefined;
  let forMean: Suggestion | undefined;
  for (let r = 0; r < candRows; r++) {
    for (let c = 0; c < candCols; c++) {
      const cand: ScannerLike = {
        x: u.area.minX + ((c + 0.5) * w) / candCols,
        y: u.area.minY + ((r + 0.5) * h) / candRows,
        z: site.defaults.scannerHeight,
        rssiOffset: 0,
        pathLossExponent: site.defaults.pathLossExponent,
      };
      // The worst cell is ranked uncapped (far beyond the cap, improvements still count), reported capped.
      let worst = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const [x, y] = cellCentre(u, i);
        acc[0] = info[3 * i] ?? 0;
        acc[1] = info[3 * i + 1] ?? 0;
        acc[2] = info[3 * i + 2] ?? 0;
        addInformation(cand, x, y, u, acc);
        const rad = radius(acc[0], acc[1], acc[2], RANKING_CAP_M);
        worst = Math.max(worst, rad);
        sum += Math.min(rad, u.capM);
      }
      const s: Suggestion = { x: cand.x, y: cand.y, worstM: worst, meanM: sum / n };
      if (
        !forWorst ||
        s.worstM < forWorst.worstM * (1 - 1e-9) ||
        (s.worstM <= forWorst.worstM * (1 + 1e-9) && s.meanM < forWorst.meanM)
      )
        forWorst = s;
      if (!forMean || s.meanM < forMean.meanM) forMean = s;
    }
    yield;
  }
  // The loops run at least once (candCols, candRows >= 1), so both are set.
  const capped = (g: Suggestion): Suggestion => ({ ...g, worstM: Math.min(g.worstM, u.capM) });
  return { forWorst: capped(forWorst!), forMean: capped(forMean!), candidates: candCols * candRows };
}

/** Spearman's rank correlation of two equally long samples (ties get their mean rank). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) return NaN;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (a.length + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    const ea = (ra[i] ?? mean) - mean;
    const eb = (rb[i] ?? mean) - mean;
    num += ea * eb;
    da += ea ** 2;
    db += eb ** 2;
  }
  return num / Math.sqrt(da * db);
}

function ranks(v: readonly number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(v.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      const at = order[k];
      if (at) out[at[1]] = rank;
    }
    i = j + 1;
  }
  return out;
}

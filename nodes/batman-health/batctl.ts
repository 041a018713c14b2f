// batctl output -> the `mesh` part of a health message. Pure parsers for the JSON queries of batctl
// >= 2020 (`mj`, `nj`, `oj`, `gwj`, one line of JSON each) and for the text tables of older batctl
// (`o`, `n`, `gwl`, including the debugfs-era layout), for BATMAN_IV (TQ 0-255) and BATMAN_V
// (throughput), and a classification of batctl's failures.
import type { MeshNeighbor } from '../kernel/contract';
import { isFiniteNumber, isObject, normalizeMac, type JsonObject } from '../kernel/checks';

export type Algo = 'BATMAN_IV' | 'BATMAN_V' | string;

/** One row of the originator table: a route to `orig` via next hop `neigh`. */
export interface OriginatorRow {
  orig: string;
  neigh: string;
  iface?: string;
  lastSeenMs: number;
  best: boolean;
  tq?: number;
  throughputKbps?: number;
}

export interface GatewayRow {
  orig: string;
  best: boolean;
}

export interface MeshInfo {
  iface?: string;
  algo?: Algo;
}

/** The mesh part of `health` (contract), with whether a gateway is selected. */
export interface MeshSample {
  iface: string;
  algo?: Algo;
  originators?: number;
  neighbors?: MeshNeighbor[];
  gateway?: string;
}

// ---------------------------------------------------------------- JSON (batctl >= 2020)

function parseJson(text: string, what: string): unknown {
  const trimmed = text.trim();
  if (!trimmed) throw new Error(`${what}: batctl printed nothing`);
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new Error(`${what}: not JSON: ${trimmed.slice(0, 60)}`);
  }
}

function jsonRows(text: string, what: string): JsonObject[] {
  const value = parseJson(text, what);
  if (!Array.isArray(value)) throw new Error(`${what}: expected a JSON array`);
  return value.filter(isObject);
}

function mac(value: unknown): string | undefined {
  return typeof value === 'string' ? normalizeMac(value) : undefined;
}

/** `batctl meshif bat0 mj`: one object. */
export function parseMeshJson(text: string): MeshInfo {
  const value = parseJson(text, 'mj');
  if (!isObject(value)) throw new Error('mj: expected a JSON object');
  const out: MeshInfo = {};
  if (typeof value.mesh_ifname === 'string') out.iface = value.mesh_ifname;
  if (typeof value.algo_name === 'string') out.algo = value.algo_name;
  return out;
}

/** `batctl meshif bat0 oj`. */
export function parseOriginatorsJson(text: string): OriginatorRow[] {
  const rows: OriginatorRow[] = [];
  for (const r of jsonRows(text, 'oj')) {
    const orig = mac(r.orig_address);
    const neigh = mac(r.neigh_address);
    if (!orig || !neigh || !isFiniteNumber(r.last_seen_msecs)) continue;
    const row: OriginatorRow = { orig, neigh, lastSeenMs: r.last_seen_msecs, best: r.best === true };
    if (typeof r.hard_ifname === 'string') row.iface = r.hard_ifname;
    if (isFiniteNumber(r.tq)) row.tq = r.tq;
    if (isFiniteNumber(r.throughput)) row.throughputKbps = r.throughput;
    rows.push(row);
  }
  return rows;
}

/** `batctl meshif bat0 nj`: direct neighbours; BATMAN_V adds throughput (kbit/s). */
export function parseNeighborsJson(text: string): MeshNeighbor[] {
  const out: MeshNeighbor[] = [];
  for (const r of jsonRows(text, 'nj')) {
    const neigh = mac(r.neigh_address);
    if (!neigh) continue;
    const n: MeshNeighbor = { mac: neigh };
    if (typeof r.hard_ifname === 'string') n.iface = r.hard_ifname;
    if (isFiniteNumber(r.last_seen_msecs)) n.lastSeenMs = r.last_seen_msecs;
    if (isFiniteNumber(r.throughput)) n.throughputKbps = r.throughput;
    out.push(n);
  }
  return out;
}

/** `batctl meshif bat0 gwj`: gateways announced in the mesh; `best` marks the one this node uses. */
export function parseGatewaysJson(text: string): GatewayRow[] {
  const out: GatewayRow[] = [];
  for (const r of jsonRows(text, 'gwj')) {
    const orig = mac(r.orig_address);
    if (orig) out.push({ orig, best: r.best === true });
  }
  return out;
}

// ---------------------------------------------------------------- text tables (older batctl)

const MAC = '([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})';
const HEADER_RE = /\[B\.A\.T\.M\.A\.N\. adv [^,]*, MainIF\/MAC: [^\s]+ \(([^/\s]+)(?:\/\S+)? (BATMAN_\w+)\)/;
// ` * 02:95:...    0.020s   (222) 02:ab:... [wlan1-mesh]` (IV) or `(     54.0)` Mbit/s (V); debugfs-era
// tables add `: potential nexthops` after the interface.
const ORIG_RE = new RegExp(
  `^\\s*(\\*)?\\s*${MAC}\\s+(\\d+\\.\\d+)s\\s+\\(\\s*([\\d.]+)\\)\\s+${MAC}\\s+\\[\\s*([^\\]]*?)\\s*\\]`,
);
const NEIGH_IV_RE = new RegExp(`^\\s*(\\S+)\\s+${MAC}\\s+(\\d+\\.\\d+)s\\s*$`);
const NEIGH_V_RE = new RegExp(
  `^\\s*${MAC}\\s+(\\d+\\.\\d+)s\\s+\\(\\s*([\\d.]+)\\)\\s+\\[\\s*([^\\]]*?)\\s*\\]`,
);
const GW_RE = new RegExp(`^\\s*(\\*|=>)?\\s*${MAC}\\s+\\(\\s*[\\d.]+\\)\\s+${MAC}`);

/** The `[B.A.T.M.A.N. adv ..., MainIF/MAC: wlan0/.. (bat0/.. BATMAN_IV)]` line that heads each table. */
export function parseTableHeader(text: string): MeshInfo {
  const m = HEADER_RE.exec(text);
  return m ? { iface: m[1], algo: m[2] } : {};
}

function msFromSeconds(s: string): number {
  return Math.round(Number(s) * 1000);
}

/** `batctl o`. The algorithm decides what the number in brackets is: TQ (IV) or Mbit/s (V). */
export function parseOriginatorsText(text: string, algo?: Algo): OriginatorRow[] {
  const effectiveAlgo = algo ?? parseTableHeader(text).algo;
  const rows: OriginatorRow[] = [];
  for (const line of text.split('\n')) {
    const m = ORIG_RE.exec(line);
    if (!m) continue;
    const row: OriginatorRow = {
      orig: m[2].toLowerCase(),
      neigh: m[5].toLowerCase(),
      lastSeenMs: msFromSeconds(m[3]),
      best: m[1] === '*',
    };
    if (m[6]) row.iface = m[6];
    const metric = m[4];
    if (effectiveAlgo === 'BATMAN_V' || (effectiveAlgo === undefined && metric.includes('.'))) {
      row.throughputKbps = Math.round(Number(metric) * 1000);
    } else {
      row.tq = Number(metric);
    }
    rows.push(row);
  }
  return rows;
}

/** `batctl n`: IV prints `IF Neighbor last-seen`, V prints `Neighbor last-seen speed IF`. */
export function parseNeighborsText(text: string): MeshNeighbor[] {
  const out: MeshNeighbor[] = [];
  for (const line of text.split('\n')) {
    const v = NEIGH_V_RE.exec(line);
    if (v) {
      const n: MeshNeighbor = {
        mac: v[1].toLowerCase(),
        lastSeenMs: msFromSeconds(v[2]),
        throughputKbps: Math.round(Number(v[3]) * 1000),
      };
      if (v[4]) n.iface = v[4];
      out.push(n);
      continue;
    }
    const iv = NEIGH_IV_RE.exec(line);
    if (iv) out.push({ mac: iv[2].toLowerCase(), iface: iv[1], lastSeenMs: msFromSeconds(iv[3]) });
  }
  return out;
}

/** `batctl gwl`: `*` (or `=>` in debugfs-era tables) marks the selected gateway. */
export function parseGatewaysText(text: string): GatewayRow[] {
  const out: GatewayRow[] = [];
  for (const line of text.split('\n')) {
    const m = GW_RE.exec(line);
    if (m) out.push({ orig: m[2].toLowerCase(), best: m[1] !== undefined });
  }
  return out;
}

// ---------------------------------------------------------------- combining the tables

export interface MeshParts {
  info: MeshInfo;
  originators: OriginatorRow[];
  neighbors?: MeshNeighbor[];
  gateways?: GatewayRow[];
}

/**
 * The contract's `mesh`: neighbours from the neighbour table (or, without one, the originators that
 * are their own next hop), each with its link quality: TQ of the direct route (IV) or the measured
 * throughput (V). `originators` counts distinct originators; `gateway` is the selected one.
 */
export function meshSample(parts: MeshParts, defaultIface: string): MeshSample {
  const { info, originators } = parts;
  const out: MeshSample = { iface: info.iface ?? defaultIface };
  const algo = info.algo ?? guessAlgo(originators, parts.neighbors);
  if (algo) out.algo = algo;
  out.originators = new Set(originators.map((o) => o.orig)).size;

  const direct = originators.filter((o) => o.orig === o.neigh);
  const neighbors: MeshNeighbor[] =
    parts.neighbors ??
    uniqueBy(
      direct.sort((a, b) => Number(b.best) - Number(a.best)),
      (o) => o.neigh,
    ).map((o) => ({ mac: o.neigh, ...(o.iface ? { iface: o.iface } : {}), lastSeenMs: o.lastSeenMs }));

  out.neighbors = neighbors.map((n) => {
    const withQuality: MeshNeighbor = { ...n };
    // The direct route's own row (same interface if known, the best one first) carries the link metric.
    const routes = direct.filter((o) => o.neigh === n.mac);
    const route =
      routes.find((o) => o.best && (!n.iface || o.iface === n.iface)) ??
      routes.find((o) => !n.iface || o.iface === n.iface) ??
      routes[0];
    if (route?.tq !== undefined && withQuality.tq === undefined) withQuality.tq = route.tq;
    if (route?.throughputKbps !== undefined && withQuality.throughputKbps === undefined)
      withQuality.throughputKbps = route.throughputKbps;
    return withQuality;
  });

  const gateway = parts.gateways?.find((g) => g.best);
  if (gateway) out.gateway = gateway.orig;
  return out;
}

function guessAlgo(originators: OriginatorRow[], neighbors?: MeshNeighbor[]): Algo | undefined {
  if (originators.some((o) => o.tq !== undefined)) return 'BATMAN_IV';
  if (originators.some((o) => o.throughputKbps !== undefined)) return 'BATMAN_V';
  if (neighbors?.some((n) => n.throughputKbps !== undefined)) return 'BATMAN_V';
  return undefined;
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------- failures

export type BatctlProblemKind =
  | 'missing' // the command is not installed (ENOENT)
  | 'not-root' // batctl (or sudo) refused: needs root or CAP_NET_ADMIN
  | 'no-interface' // the mesh interface does not exist or is not batman-adv
  | 'timeout'
  | 'unsupported' // this batctl does not know the query (older version): try the next dialect
  | 'failed';

export interface BatctlProblem {
  kind: BatctlProblemKind;
  message: string;
}

export interface RunFailure {
  /** errno code of spawning (`ENOENT`), or undefined when the command ran and failed. */
  code?: string | number;
  killed?: boolean;
  stderr: string;
  stdout?: string;
}

/** What went wrong, from batctl's own messages, in words a user can act on. */
export function classifyFailure(failure: RunFailure, command: string, iface: string): BatctlProblem {
  const text = `${failure.stderr}\n${failure.stdout ?? ''}`;
  const firstLine =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l) ?? '';
  if (failure.code === 'ENOENT')
    return { kind: 'missing', message: `${command} not found: install batctl (apt-get install batctl)` };
  if (failure.killed) return { kind: 'timeout', message: `${command} did not answer in time` };
  if (/must be root/i.test(text) || /Operation not permitted/i.test(text) || /^sudo:.*password/im.test(text))
    return {
      kind: 'not-root',
      message: `${command} needs root: allow it in sudoers or give it cap_net_admin (see the node's help)`,
    };
  if (/is not present or not a batman-adv interface/i.test(text) || /No such device/i.test(text))
    return {
      kind: 'no-interface',
      message: `interface ${iface} is not present or not a batman-adv interface`,
    };
  if (/no valid command|Unknown command|invalid option|Usage:/i.test(text))
    return { kind: 'unsupported', message: firstLine || `${command}: unsupported query` };
  return { kind: 'failed', message: firstLine || `${command} failed (exit ${String(failure.code)})` };
}

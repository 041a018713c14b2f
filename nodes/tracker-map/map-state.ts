// What the live map shows: the site, each dog's latest position and recent trail, the scanners'
// online/offline state and the recent alerts. Pure: no Node-RED, no sockets, no wall clock: trails are
// cut by the event time (`ts`) of the newest position of each dog. A position stamped far ahead of
// the other dogs' (live: of the wall clock, passed in as `now`) is refused by the event clock
// (kernel/event-clock.ts), so one wrong timestamp cannot freeze a dog on the map until it comes true.
import { EventClock, type ClockVerdict } from '../kernel/event-clock';
import { isFiniteNumber, isObject, payloadText } from '../kernel/checks';
import type { Alert, Health, Position } from '../kernel/contract';
import {
  batchTooLarge,
  decodePayload,
  isStatusTopic,
  parseMessage,
  parseStatus,
  STATUS_TOPIC,
} from '../kernel/parse';
import { BoundsBuilder } from '../kernel/geo';
import type { MapSiteSource } from '../kernel/site-view';
import type { Origin, ZoneKind } from '../kernel/site-document';

export interface MapScanner {
  id: string;
  name?: string;
  x: number;
  y: number;
  lat?: number;
  lon?: number;
}

export interface MapZone {
  id: string;
  name: string;
  kind: ZoneKind;
  /** Local metres, [x, y] per vertex. */
  polygon?: Array<[number, number]>;
  circle?: { x: number; y: number; r: number; lat?: number; lon?: number };
  /** WGS84 [lat, lon] per vertex, when the site has an origin. */
  latlngs?: Array<[number, number]>;
}

/** The site as the page draws it, with WGS84 coordinates added where the site has an origin. */
export interface MapSite {
  name: string;
  origin?: Origin;
  /** Local bounding box of scanners and zones, metres. */
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
  scanners: MapScanner[];
  dogs: Array<{ id: string; name: string }>;
  zones: MapZone[];
}

export interface TrailPoint {
  ts: number;
  x: number;
  y: number;
  lat?: number;
  lon?: number;
}

export interface DogState {
  id: string;
  name: string;
  position?: Position;
  /** Oldest first, within `trailS` of the newest position. */
  trail: TrailPoint[];
}

export type NodeStatus = 'online' | 'offline' | 'unknown';

export interface NodeState {
  id: string;
  /** From the MQTT `status` topic (last will); `unknown` until one arrives. */
  status: NodeStatus;
  /** Event time of the latest health message. */
  healthTs?: number;
  tempC?: number;
  cpu?: number;
  throttled?: number;
  uptimeS?: number;
  /** From the health message's `mesh` (batman-adv): its neighbours, the originators it knows, its gateway. */
  mesh?: { neighbors: number; originators?: number; gateway?: string };
}

export interface Snapshot {
  kind: 'snapshot';
  site?: MapSite;
  trailS: number;
  /** The page keeps as many alerts as this. */
  alertsKept: number;
  dogs: DogState[];
  nodes: NodeState[];
  /** Oldest first. */
  alerts: Alert[];
}

/** What changes on the page; sent to every browser as JSON. */
export type MapUpdate =
  | Snapshot
  | { kind: 'position'; position: Position }
  | { kind: 'alert'; alert: Alert }
  | { kind: 'node'; node: NodeState };

export interface MapStateOptions {
  /** Length of each dog's trail, seconds of event time. */
  trailS: number;
  /** How many recent alerts the page keeps. */
  alertsKept: number;
  /** Hard cap on trail points per dog, whatever their rate. */
  maxTrailPoints?: number;
  /**
   * How many dogs the site does not name the map takes (trilaterate can track every beacon, and phones
   * nearby advertise ever-changing addresses): beyond it their positions are refused, so memory and the
   * page stay bounded.
   */
  maxUnlistedDogs?: number;
  /** A position more than this ahead of the other dogs' (live: of the wall clock) is refused, ms. */
  maxAheadMs?: number;
  /** The wall clock for the live skew check; none: only the dogs' times are compared. */
  now?: () => number;
  /** Told of every refused position (the adapter counts, logs and shows them). */
  onRefused?: (position: Position, verdict: Extract<ClockVerdict, { accepted: false }>) => void;
}

/** Positions come once per trilaterate interval, all dogs at once: the limit must exceed it. */
export const DEFAULT_MAP_MAX_AHEAD_MS = 30_000;

export { STATUS_TOPIC };
const DEFAULT_MAX_TRAIL_POINTS = 2000;
const DEFAULT_MAX_UNLISTED_DOGS = 50;

export class MapState {
  private site: MapSiteSource | undefined;
  private mapSite: MapSite | undefined;
  private readonly dogs = new Map<string, DogState>();
  private readonly nodes = new Map<string, NodeState>();
  private readonly alerts: Alert[] = [];
  private readonly maxTrailPoints: number;
  /** The positions' event time, bounded against one dog's wrong timestamp. */
  readonly clock: EventClock;

  constructor(private readonly options: MapStateOptions) {
    this.maxTrailPoints = options.maxTrailPoints ?? DEFAULT_MAX_TRAIL_POINTS;
    this.clock = new EventClock({
      maxAheadMs: options.maxAheadMs ?? DEFAULT_MAP_MAX_AHEAD_MS,
      now: options.now,
    });
  }

  /** A new site: its dogs and scanners appear; positions and states already known are kept. */
  setSite(view: MapSiteSource): Snapshot {
    this.site = view;
    this.mapSite = toMapSite(view);
    this.clock.setKnown(view.dogs.map((d) => d.id));
    for (const dog of view.dogs) {
      const known = this.dogs.get(dog.id);
      if (known) known.name = dog.name;
      else this.dogs.set(dog.id, { id: dog.id, name: dog.name, trail: [] });
    }
    for (const scanner of view.scanners) this.node(scanner.id);
    return this.snapshot();
  }

  snapshot(): Snapshot {
    const snapshot: Snapshot = {
      kind: 'snapshot',
      trailS: this.options.trailS,
      alertsKept: this.options.alertsKept,
      dogs: [...this.dogs.values()].map((d) => ({ ...d, trail: [...d.trail] })),
      nodes: [...this.nodes.values()].map((n) => ({ ...n })),
      alerts: [...this.alerts],
    };
    if (this.mapSite) snapshot.site = this.mapSite;
    return snapshot;
  }

  /**
   * Applies one input message: a position, alert or health payload (or an array of them, or either as
   * JSON text or bytes), an `rssi` reading (ignored: the map shows positions), or an `online` /
   * `offline` string on a status topic.
   * Returns the updates to send; throws an Error naming what is wrong with a bad payload. In a batch the
   * good items are applied and the bad ones are reported together.
   */
  apply(payload: unknown, topic?: unknown): MapUpdate[] {
    // MQTT in nodes set to "a Buffer" or "a String" give the same messages as bytes or JSON text.
    const raw = payloadText(payload);
    if (raw !== undefined) {
      const text = raw.trimStart();
      if (isStatusTopic(topic) || !(text.startsWith('{') || text.startsWith('[')))
        return [this.applyStatus(raw, topic)];
      const decoded = decodePayload(raw);
      if (!decoded.ok) throw new Error(decoded.problem);
      return this.apply(decoded.value, topic);
    }
    if (!Array.isArray(payload)) return this.applyOne(payload, 'payload');
    const tooLarge = batchTooLarge(payload.length);
    if (tooLarge) throw new Error(tooLarge);
    const updates: MapUpdate[] = [];
    const problems: string[] = [];
    payload.forEach((item, i) => {
      try {
        updates.push(...this.applyOne(item, `payload[${i}]`));
      } catch (err) {
        problems.push((err as Error).message);
      }
    });
    if (problems.length > 0) throw new BatchError(problems, updates);
    return updates;
  }

  private applyOne(payload: unknown, path: string): MapUpdate[] {
    // The map shows positions: a reading is passed over unread.
    if (isObject(payload) && payload.type === 'rssi') return [];
    const parsed = parseMessage(payload, path, ['position', 'alert', 'health']);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const { value } = parsed;
    if (value.type === 'position') return this.applyPosition(value.message);
    if (value.type === 'alert') return [this.applyAlert(value.message)];
    if (value.type === 'health') return [this.applyHealth(value.message)];
    return [];
  }

  private applyPosition(position: Position): MapUpdate[] {
    const verdict = this.clock.observe(position.dog, position.ts);
    if (!verdict.accepted) {
      this.options.onRefused?.(position, verdict);
      return [];
    }
    let dog = this.dogs.get(position.dog);
    if (!dog) {
      const listed = new Set(this.site?.dogs.map((d) => d.id));
      const unlisted = [...this.dogs.keys()].filter((id) => !listed.has(id)).length;
      const max = this.options.maxUnlistedDogs ?? DEFAULT_MAX_UNLISTED_DOGS;
      if (unlisted >= max)
        throw new Error(
          `dog "${position.dog}" is not in the site, and the map already shows ${max} such dogs`,
        );
      dog = { id: position.dog, name: position.dog, trail: [] };
      this.dogs.set(dog.id, dog);
    }
    // A position older than the one shown (a late or replayed message) would move the dog backwards.
    if (dog.position && position.ts <= dog.position.ts) return [];
    if ((position.lat === undefined || position.lon === undefined) && this.site?.hasOrigin) {
      const ll = this.site.toWgs84(position.x, position.y);
      if (ll) position = { ...position, lat: ll.lat, lon: ll.lon };
    }
    dog.position = position;
    const point: TrailPoint = { ts: position.ts, x: position.x, y: position.y };
    if (position.lat !== undefined && position.lon !== undefined) {
      point.lat = position.lat;
      point.lon = position.lon;
    }
    dog.trail.push(point);
    dog.trail = cutTrail(dog.trail, position.ts - this.options.trailS * 1000, this.maxTrailPoints);
    return [{ kind: 'position', position }];
  }

  private applyAlert(alert: Alert): MapUpdate {
    this.alerts.push(alert);
    if (this.alerts.length > this.options.alertsKept)
      this.alerts.splice(0, this.alerts.length - this.options.alertsKept);
    return { kind: 'alert', alert };
  }

  private applyHealth(payload: Health): MapUpdate {
    const node = this.node(payload.node);
    if (node.healthTs === undefined || payload.ts >= node.healthTs) {
      node.healthTs = payload.ts;
      for (const key of ['tempC', 'cpu', 'throttled', 'uptimeS'] as const) {
        const value = payload[key];
        if (isFiniteNumber(value)) node[key] = value;
        else delete node[key];
      }
      if (payload.mesh) node.mesh = meshSummary(payload.mesh);
      else delete node.mesh;
      // A node that reports health is up, until its last will says otherwise.
      if (node.status === 'unknown') node.status = 'online';
    }
    return { kind: 'node', node: { ...node } };
  }

  private applyStatus(payload: string, topic: unknown): MapUpdate {
    const parsed = parseStatus(topic, payload);
    if (!parsed.ok) throw new Error(`a text payload must be a node status: ${parsed.problems.join('; ')}`);
    const node = this.node(parsed.value.node);
    node.status = parsed.value.status;
    return { kind: 'node', node: { ...node } };
  }

  private node(id: string): NodeState {
    let node = this.nodes.get(id);
    if (!node) {
      node = { id, status: 'unknown' };
      this.nodes.set(id, node);
    }
    return node;
  }
}

function meshSummary(mesh: NonNullable<Health['mesh']>): NonNullable<NodeState['mesh']> {
  const summary: NonNullable<NodeState['mesh']> = {
    neighbors: Array.isArray(mesh.neighbors) ? mesh.neighbors.length : 0,
  };
  if (isFiniteNumber(mesh.originators)) summary.originators = mesh.originators;
  if (typeof mesh.gateway === 'string' && mesh.gateway !== '') summary.gateway = mesh.gateway.slice(0, 40);
  return summary;
}

/** Some items of a batch were bad; `updates` holds those of the good ones, already applied. */
export class BatchError extends Error {
  constructor(
    readonly problems: string[],
    readonly updates: MapUpdate[],
  ) {
    // The first few problems and how many more: a bad batch never makes a flood of text.
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
    super(problems.slice(0, 3).join('; ') + more);
    this.name = 'BatchError';
  }
}

/** Keeps the points at or after `fromTs`, and at most `maxPoints` of them (the newest). */
export function cutTrail(trail: TrailPoint[], fromTs: number, maxPoints: number): TrailPoint[] {
  let first = 0;
  while (first < trail.length && trail[first].ts < fromTs) first++;
  first = Math.max(first, trail.length - maxPoints);
  return first === 0 ? trail : trail.slice(first);
}

function toMapSite(view: MapSiteSource): MapSite {
  const withLatLon = <T extends object>(
    item: T,
    x: number,
    y: number,
  ): T & { lat?: number; lon?: number } => {
    const ll = view.toWgs84(x, y);
    return ll ? { ...item, lat: ll.lat, lon: ll.lon } : item;
  };
  const box = new BoundsBuilder();
  const scanners = view.scanners.map((s) => {
    box.include(s.x, s.y);
    const scanner: MapScanner = { id: s.id, x: s.x, y: s.y };
    if (s.name) scanner.name = s.name;
    return withLatLon(scanner, s.x, s.y);
  });
  const zones = view.zones.map((z): MapZone => {
    const zone: MapZone = { id: z.id, name: z.name, kind: z.kind };
    if (z.shape === 'polygon') {
      zone.polygon = z.polygon.map(([x, y]) => [x, y]);
      for (const [x, y] of z.polygon) box.include(x, y);
      if (view.hasOrigin)
        zone.latlngs = z.polygon.map(([x, y]) => {
          const ll = view.toWgs84(x, y);
          return [ll?.lat ?? 0, ll?.lon ?? 0];
        });
    } else {
      const { x, y, r } = z.circle;
      box.include(x - r, y - r).include(x + r, y + r);
      zone.circle = withLatLon({ x, y, r }, x, y);
    }
    return zone;
  });
  const bounds = box.bounds({ minX: -10, minY: -10, maxX: 10, maxY: 10 });
  const site: MapSite = {
    name: view.name,
    bounds,
    scanners,
    dogs: view.dogs.map((d) => ({ id: d.id, name: d.name })),
    zones,
  };
  if (view.origin) site.origin = view.origin;
  return site;
}

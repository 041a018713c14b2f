// Home Assistant MQTT discovery for the site's dogs and scanners. Pure: contract messages in, the MQTT
// messages to publish out (topic, payload text, retain, QoS); no Node-RED and no MQTT client here.
//
// Follows https://www.home-assistant.io/integrations/mqtt/ (discovery topic
// `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`, retained JSON configs with `unique_id`,
// `device`, `origin`, `availability`; an empty retained config removes an entity; Home Assistant's birth
// message `online` on `<discovery_prefix>/status` asks for everything again) and the entity pages
// device_tracker.mqtt (`state_topic`, `json_attributes_topic` with `latitude`, `longitude`, `gps_accuracy`,
// `payload_home`, `payload_not_home`, `source_type`), sensor.mqtt (`device_class`, `unit_of_measurement`,
// `state_class`, `entity_category`, `value_template`) and binary_sensor.mqtt (`payload_on`, `payload_off`).
import {
  excerpt,
  isFiniteNumber,
  isNonEmptyString,
  isObject,
  payloadText,
  type JsonObject,
} from '../kernel/checks';
import { topics } from '../kernel/contract';
import type { Dog, Scanner } from '../kernel/site-document';
import type { SiteView } from '../kernel/site-view';

export interface DiscoveryOptions {
  /** Home Assistant's discovery prefix (its default `homeassistant`). */
  prefix: string;
  /** The `<node_id>` level of every discovery topic and the start of every unique id. */
  nodeId: string;
  /** The hub's id: dog entities are available while `dogtracker/v1/status/{hub}` is `online`; '' for always. */
  hub: string;
  /** Where the dogs' entity states are published. */
  stateRoot: string;
  origin: { name: string; sw_version?: string; support_url?: string };
}

export const DEFAULT_DISCOVERY_OPTIONS: DiscoveryOptions = {
  prefix: 'homeassistant',
  nodeId: 'dogtracker',
  hub: 'hub',
  stateRoot: 'dogtracker/v1/ha',
  origin: { name: 'node-red-contrib-dog-tracker' },
};

export interface MqttMessage {
  topic: string;
  /** JSON text or a plain state; '' removes a retained message. */
  payload: string;
  retain: boolean;
  qos: 0 | 1;
}

/** Health fields a scanner's sensors show: announced once a scanner's health carries them. */
interface HealthField {
  key: string;
  name: string;
  template: string;
  present: (h: JsonObject) => boolean;
  device_class?: string;
  unit_of_measurement?: string;
  state_class?: string;
  icon?: string;
}

const num = (h: JsonObject, k: string): boolean => isFiniteNumber(h[k]);
const sub = (h: JsonObject, o: string, k: string): boolean => isObject(h[o]) && isFiniteNumber(h[o][k]);

export const HEALTH_FIELDS: readonly HealthField[] = [
  {
    key: 'cpu',
    name: 'CPU',
    template: 'cpu',
    present: (h) => num(h, 'cpu'),
    unit_of_measurement: '%',
    state_class: 'measurement',
    icon: 'mdi:cpu-64-bit',
  },
  {
    key: 'load',
    name: 'Load (1 min)',
    template: 'load1',
    present: (h) => num(h, 'load1'),
    state_class: 'measurement',
    icon: 'mdi:gauge',
  },
  {
    key: 'memory',
    name: 'Memory used',
    template: 'memUsedPct',
    present: (h) => num(h, 'memUsedPct'),
    unit_of_measurement: '%',
    state_class: 'measurement',
    icon: 'mdi:memory',
  },
  {
    key: 'temperature',
    name: 'Temperature',
    template: 'tempC',
    present: (h) => num(h, 'tempC'),
    device_class: 'temperature',
    unit_of_measurement: '°C',
    state_class: 'measurement',
  },
  {
    key: 'uptime',
    name: 'Uptime',
    template: 'uptimeS',
    present: (h) => num(h, 'uptimeS'),
    device_class: 'duration',
    unit_of_measurement: 's',
    state_class: 'measurement',
  },
  {
    key: 'wifi',
    name: 'Wi-Fi signal',
    template: 'wifi.signalDbm',
    present: (h) => sub(h, 'wifi', 'signalDbm'),
    device_class: 'signal_strength',
    unit_of_measurement: 'dBm',
    state_class: 'measurement',
  },
  {
    key: 'originators',
    name: 'Mesh originators',
    template: 'mesh.originators',
    present: (h) => sub(h, 'mesh', 'originators'),
    state_class: 'measurement',
    icon: 'mdi:lan',
  },
];

/** Dog entities' state topics below `{stateRoot}/dog/{dog}/`. */
const DOG_STATES = [
  'state',
  'attributes',
  'battery',
  'last_seen',
  'speed',
  'activity',
  'alert',
  'alert_attributes',
] as const;
type DogState = (typeof DOG_STATES)[number];

interface Entity {
  component: 'device_tracker' | 'sensor' | 'binary_sensor';
  objectId: string;
  config: JsonObject;
}

/** Most retained configs of our node id remembered from the broker before the site loaded. */
const MAX_PENDING = 2000;

export class HomeAssistantDiscovery {
  private view: SiteView | undefined;
  /** Config topic -> payload, as published and retained now. */
  private readonly announced = new Map<string, string>();
  /** Per dog: state topic suffix -> last payload (what a birth message republishes). */
  private readonly states = new Map<string, Map<DogState, string>>();
  /** Dogs that reported an activity; scanners and the health fields they reported. */
  private readonly withActivity = new Set<string>();
  private readonly healthSeen = new Map<string, Set<string>>();
  /** Retained configs of ours seen before the site loaded, checked once it has. */
  private readonly pending = new Set<string>();
  private readonly hubAvailability: JsonObject[];

  constructor(private readonly options: DiscoveryOptions = DEFAULT_DISCOVERY_OPTIONS) {
    for (const [key, value] of [
      ['prefix', options.prefix],
      ['nodeId', options.nodeId],
      ['stateRoot', options.stateRoot],
    ]) {
      if (!value || /[+#]/.test(value))
        throw new Error(`${key} must be a topic without + or #, got ${excerpt(value)}`);
    }
    if (!/^[a-zA-Z0-9_-]+$/.test(options.nodeId))
      throw new Error(`node id may only have letters, digits, _ and -, got ${excerpt(options.nodeId)}`);
    this.hubAvailability = options.hub ? [{ topic: topics.status(options.hub) }] : [];
  }

  get hasSite(): boolean {
    return this.view !== undefined;
  }

  /** Entities announced (retained configs) now. */
  get entityCount(): number {
    return this.announced.size;
  }

  /** The topic Home Assistant's birth and last-will messages use. */
  get statusTopic(): string {
    return `${this.options.prefix}/status`;
  }

  /** A new site: configs of every dog and scanner, and empty retained configs for those that left. */
  setSite(view: SiteView): MqttMessage[] {
    this.view = view;
    const dogIds = new Set(view.dogs.map((d) => d.id));
    const out: MqttMessage[] = [];
    for (const dog of [...this.states.keys()]) {
      if (dogIds.has(dog)) continue;
      // The dog left the site: its retained states go too.
      for (const suffix of DOG_STATES) out.push(this.message(this.dogTopic(dog, suffix), '', true));
      this.states.delete(dog);
      this.withActivity.delete(dog);
    }
    for (const scanner of [...this.healthSeen.keys()])
      if (!view.scanner(scanner)) this.healthSeen.delete(scanner);
    for (const topic of this.pending) this.adopt(topic);
    out.push(...this.reconcile(false));
    for (const topic of this.pending) if (!this.announced.has(topic)) out.push(this.message(topic, '', true));
    this.pending.clear();
    return out;
  }

  /**
   * One input message: a contract message (position, alert, zone-state, health, rssi, or a batch), Home
   * Assistant's status, or one of our retained configs coming back from the broker. Throws for a payload
   * that is none of these, naming what is wrong.
   */
  observe(topic: unknown, payload: unknown): MqttMessage[] {
    if (typeof topic === 'string' && topic === this.statusTopic) {
      const text = (payloadText(payload) ?? String(payload)).trim();
      return text === 'online' ? this.republish() : [];
    }
    if (typeof topic === 'string' && this.isOurConfigTopic(topic)) return this.configSeen(topic, payload);
    // Other discovery traffic (another integration's configs, when subscribed to the whole prefix).
    if (typeof topic === 'string' && topic.startsWith(`${this.options.prefix}/`)) return [];
    if (typeof topic === 'string' && /^dogtracker\/v1\/status\/[^/]+$/.test(topic)) {
      // The hub's own birth message: its broker connection is (back) up, and an mqtt out node drops what is
      // sent while it is down (a deploy, a broker restart that lost the retained configs): announce again.
      // Other scanners' status is read by Home Assistant itself.
      const online = (payloadText(payload) ?? String(payload)).trim() === 'online';
      return online && this.options.hub !== '' && topic === topics.status(this.options.hub)
        ? this.republish()
        : [];
    }
    const view = this.view;
    if (!view) throw new Error('the site has not loaded yet');
    let value = payload;
    const text = payloadText(payload);
    if (text !== undefined) {
      try {
        value = JSON.parse(text);
      } catch {
        throw new Error(`payload must be a contract message (JSON), got ${excerpt(text)}`);
      }
    }
    const items = Array.isArray(value) ? value : [value];
    const out: MqttMessage[] = [];
    const problems: string[] = [];
    items.forEach((item: unknown, i) => {
      const path = Array.isArray(value) ? `payload[${i}]` : 'payload';
      const problem = this.observeOne(view, item, path, out);
      if (problem) problems.push(problem);
    });
    if (problems.length > 0) {
      const shown =
        problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
      throw new ObserveError(shown, out);
    }
    return out;
  }

  /** Everything again, as Home Assistant asks with its birth message: configs first, then the states. */
  republish(): MqttMessage[] {
    if (!this.view) return [];
    const out = this.reconcile(true);
    for (const [dog, states] of this.states)
      for (const [suffix, payload] of states)
        out.push(this.message(this.dogTopic(dog, suffix), payload, true));
    return out;
  }

  private observeOne(view: SiteView, item: unknown, path: string, out: MqttMessage[]): string | undefined {
    if (!isObject(item)) return `${path} must be a contract message object, got ${excerpt(item)}`;
    switch (item.type) {
      case 'position':
        return this.position(view, item, path, out);
      case 'zone-state':
        return this.zoneState(view, item, path, out);
      case 'alert':
        return this.alert(view, item, path, out);
      case 'health':
        return this.health(view, item, path, out);
      case 'rssi':
        return this.reading(view, item, out);
      default:
        return `${path}.type must be position, zone-state, alert, health or rssi, got ${excerpt(item.type)}`;
    }
  }

  private position(view: SiteView, p: JsonObject, path: string, out: MqttMessage[]): string | undefined {
    const dog = this.siteDog(view, p.dog);
    if (!dog) return isNonEmptyString(p.dog) ? undefined : `${path}.dog must be a non-empty string`;
    if (!isFiniteNumber(p.ts) || !isFiniteNumber(p.x) || !isFiniteNumber(p.y) || !isFiniteNumber(p.accuracy))
      return `${path} (dog "${dog.id}"): ts, x, y and accuracy must be numbers`;
    // A site spans kilometres at most: anything beyond is garbage, and would overflow the rounding below.
    const wild =
      [p.x, p.y, p.accuracy].some((v) => Math.abs(v) > 1e6) ||
      (isFiniteNumber(p.vx) && Math.abs(p.vx) > 1e3) ||
      (isFiniteNumber(p.vy) && Math.abs(p.vy) > 1e3);
    if (wild || Math.abs(p.ts) > 8.64e15)
      return `${path} (dog "${dog.id}"): x, y, accuracy, vx, vy or ts out of range`;
    const attributes: JsonObject = { x: round(p.x, 2), y: round(p.y, 2), accuracy: round(p.accuracy, 1) };
    const wgs =
      isFiniteNumber(p.lat) && isFiniteNumber(p.lon) ? { lat: p.lat, lon: p.lon } : view.toWgs84(p.x, p.y);
    if (wgs) {
      attributes.latitude = round(wgs.lat, 7);
      attributes.longitude = round(wgs.lon, 7);
      attributes.gps_accuracy = round(p.accuracy, 1);
    }
    if (isFiniteNumber(p.scanners)) attributes.scanners = p.scanners;
    if (typeof p.method === 'string') attributes.method = p.method.slice(0, 40);
    this.setState(dog.id, 'attributes', JSON.stringify(attributes), out);
    this.setState(dog.id, 'last_seen', new Date(p.ts).toISOString(), out);
    if (isFiniteNumber(p.vx) && isFiniteNumber(p.vy))
      this.setState(dog.id, 'speed', String(round(Math.hypot(p.vx, p.vy), 1)), out);
    if (isNonEmptyString(p.activity)) {
      if (!this.withActivity.has(dog.id)) {
        this.withActivity.add(dog.id);
        out.push(...this.reconcile(false));
      }
      this.setState(dog.id, 'activity', p.activity.slice(0, 60), out);
    }
    return undefined;
  }

  private zoneState(view: SiteView, z: JsonObject, path: string, out: MqttMessage[]): string | undefined {
    const dog = this.siteDog(view, z.dog);
    if (!dog) return isNonEmptyString(z.dog) ? undefined : `${path}.dog must be a non-empty string`;
    if (!Array.isArray(z.zones)) return `${path}.zones must be an array`;
    const states = new Map<string, unknown>();
    for (const entry of z.zones.slice(0, 1000) as unknown[])
      if (isObject(entry) && typeof entry.zone === 'string') states.set(entry.zone, entry.state);
    const state = trackerState(view, dog.id, z.missing === true, states);
    if (state !== undefined) this.setState(dog.id, 'state', state, out);
    return undefined;
  }

  private alert(view: SiteView, a: JsonObject, path: string, out: MqttMessage[]): string | undefined {
    if (a.dog === undefined && isNonEmptyString(a.node)) return undefined; // about a scanner, not a dog
    const dog = this.siteDog(view, a.dog);
    if (!dog) return isNonEmptyString(a.dog) ? undefined : `${path}.dog must be a non-empty string`;
    if (!isNonEmptyString(a.event) || !isFiniteNumber(a.ts) || Math.abs(a.ts) > 8.64e15)
      return `${path} (dog "${dog.id}"): event and ts (ms since the epoch) are required`;
    const zone = isNonEmptyString(a.zone) ? view.zones.find((zz) => zz.id === a.zone) : undefined;
    const zoneName = zone?.name ?? (isNonEmptyString(a.zone) ? a.zone : '');
    const text = `${a.event}${zoneName ? ` ${zoneName}` : ''}`.slice(0, 255);
    const attributes: JsonObject = { event: a.event.slice(0, 40), time: new Date(a.ts).toISOString() };
    if (zone) Object.assign(attributes, { zone: zone.id, zone_name: zone.name, kind: zone.kind });
    if (typeof a.severity === 'string') attributes.severity = a.severity.slice(0, 20);
    this.setState(dog.id, 'alert', text, out);
    this.setState(dog.id, 'alert_attributes', JSON.stringify(attributes), out);
    if (a.event === 'missing') this.setState(dog.id, 'state', 'not_home', out);
    return undefined;
  }

  private health(view: SiteView, h: JsonObject, path: string, out: MqttMessage[]): string | undefined {
    if (!isNonEmptyString(h.node)) return `${path}.node must be a non-empty string`;
    if (!view.scanner(h.node)) return undefined; // the hub or another machine: not a scanner device
    const seen = this.healthSeen.get(h.node) ?? new Set<string>();
    const before = seen.size;
    for (const field of HEALTH_FIELDS) if (field.present(h)) seen.add(field.key);
    this.healthSeen.set(h.node, seen);
    if (seen.size !== before) out.push(...this.reconcile(false));
    return undefined;
  }

  private reading(view: SiteView, r: JsonObject, out: MqttMessage[]): string | undefined {
    if (!isFiniteNumber(r.battery) || r.battery < 0 || r.battery > 100) return undefined;
    const dog =
      this.siteDog(view, r.dog) ??
      view.dogByBeacon(
        typeof r.mac === 'string' ? r.mac : undefined,
        typeof r.id === 'string' ? r.id : undefined,
      );
    if (dog) this.setState(dog.id, 'battery', String(Math.round(r.battery)), out);
    return undefined;
  }

  private siteDog(view: SiteView, id: unknown): Dog | undefined {
    return typeof id === 'string' ? view.dog(id) : undefined;
  }

  private setState(dog: string, suffix: DogState, payload: string, out: MqttMessage[]): void {
    const states = this.states.get(dog) ?? new Map<DogState, string>();
    this.states.set(dog, states);
    if (states.get(suffix) === payload) return;
    states.set(suffix, payload);
    out.push(this.message(this.dogTopic(dog, suffix), payload, true));
  }

  /** Publishes configs that are new or changed (all of them when `all`), removes those no longer wanted. */
  private reconcile(all: boolean): MqttMessage[] {
    const view = this.view;
    if (!view) return [];
    const wanted = new Map<string, string>();
    for (const dog of view.dogs)
      for (const e of this.dogEntities(view, dog)) wanted.set(this.configTopic(e), JSON.stringify(e.config));
    for (const scanner of view.scanners)
      for (const e of this.scannerEntities(scanner))
        wanted.set(this.configTopic(e), JSON.stringify(e.config));
    const out: MqttMessage[] = [];
    for (const topic of [...this.announced.keys()]) {
      if (wanted.has(topic)) continue;
      this.announced.delete(topic);
      out.push(this.message(topic, '', true));
    }
    for (const [topic, payload] of wanted) {
      if (!all && this.announced.get(topic) === payload) continue;
      this.announced.set(topic, payload);
      out.push(this.message(topic, payload, true));
    }
    return out;
  }

  private dogEntities(view: SiteView, dog: Dog): Entity[] {
    const id = `dog_${slug(dog.id)}`;
    const mac = /^(mac:)?([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(dog.beacon)
      ? dog.beacon.replace(/^mac:/i, '').toLowerCase()
      : undefined;
    const device: JsonObject = {
      identifiers: [`${this.options.nodeId}_${id}`],
      name: dog.name,
      manufacturer: 'node-red-contrib-dog-tracker',
      model: 'BLE collar',
    };
    if (mac) device.connections = [['bluetooth', mac]];
    const common = (key: string, name: string | null): JsonObject => ({
      name,
      unique_id: `${this.options.nodeId}_${id}_${key}`,
      device,
      origin: this.options.origin,
      ...(this.hubAvailability.length > 0 ? { availability: this.hubAvailability } : {}),
    });
    const t = (suffix: DogState): string => this.dogTopic(dog.id, suffix);
    const entities: Entity[] = [
      {
        component: 'device_tracker',
        objectId: `${id}_tracker`,
        config: {
          ...common('tracker', null),
          state_topic: t('state'),
          json_attributes_topic: t('attributes'),
          payload_home: 'home',
          payload_not_home: 'not_home',
          source_type: view.hasOrigin ? 'gps' : 'bluetooth_le',
          icon: 'mdi:dog',
        },
      },
      {
        component: 'sensor',
        objectId: `${id}_battery`,
        config: {
          ...common('battery', 'Collar battery'),
          state_topic: t('battery'),
          device_class: 'battery',
          unit_of_measurement: '%',
          state_class: 'measurement',
          entity_category: 'diagnostic',
        },
      },
      {
        component: 'sensor',
        objectId: `${id}_last_seen`,
        config: {
          ...common('last_seen', 'Last seen'),
          state_topic: t('last_seen'),
          device_class: 'timestamp',
          entity_category: 'diagnostic',
        },
      },
      {
        component: 'sensor',
        objectId: `${id}_speed`,
        config: {
          ...common('speed', 'Speed'),
          state_topic: t('speed'),
          device_class: 'speed',
          unit_of_measurement: 'm/s',
          state_class: 'measurement',
        },
      },
      {
        component: 'sensor',
        objectId: `${id}_alert`,
        config: {
          ...common('alert', 'Last alert'),
          state_topic: t('alert'),
          json_attributes_topic: t('alert_attributes'),
          icon: 'mdi:alert',
        },
      },
    ];
    if (this.withActivity.has(dog.id))
      entities.push({
        component: 'sensor',
        objectId: `${id}_activity`,
        config: { ...common('activity', 'Activity'), state_topic: t('activity'), icon: 'mdi:run' },
      });
    return entities;
  }

  private scannerEntities(scanner: Scanner): Entity[] {
    const id = `scanner_${slug(scanner.id)}`;
    const device: JsonObject = {
      identifiers: [`${this.options.nodeId}_${id}`],
      name: scanner.name ?? scanner.id,
      manufacturer: 'node-red-contrib-dog-tracker',
      model: 'BLE scanner',
    };
    const common = (key: string, name: string): JsonObject => ({
      name,
      unique_id: `${this.options.nodeId}_${id}_${key}`,
      device,
      origin: this.options.origin,
    });
    const entities: Entity[] = [
      {
        component: 'binary_sensor',
        objectId: `${id}_online`,
        // The scanner's own last will (retained `online` / `offline`) is the state: no availability needed.
        config: {
          ...common('online', 'Online'),
          state_topic: topics.status(scanner.id),
          payload_on: 'online',
          payload_off: 'offline',
          device_class: 'connectivity',
          entity_category: 'diagnostic',
        },
      },
    ];
    const seen = this.healthSeen.get(scanner.id);
    for (const field of HEALTH_FIELDS) {
      if (!seen?.has(field.key)) continue;
      const config: JsonObject = {
        ...common(field.key, field.name),
        state_topic: topics.health(scanner.id),
        value_template: `{{ value_json.${field.template} }}`,
        availability: [{ topic: topics.status(scanner.id) }],
        entity_category: 'diagnostic',
      };
      for (const key of ['device_class', 'unit_of_measurement', 'state_class', 'icon'] as const)
        if (field[key] !== undefined) config[key] = field[key];
      entities.push({ component: 'sensor', objectId: `${id}_${field.key}`, config });
    }
    return entities;
  }

  private configSeen(topic: string, payload: unknown): MqttMessage[] {
    const text = payloadText(payload) ?? (isObject(payload) ? '{}' : '');
    if (text === '' || this.announced.has(topic)) return [];
    if (!this.view) {
      if (this.pending.size < MAX_PENDING) this.pending.add(topic);
      return [];
    }
    // An optional entity announced before a restart (activity, a health sensor) of a dog or scanner still
    // in the site stays; any other config of ours is of an entity the site no longer has.
    if (this.adopt(topic)) return this.reconcile(false);
    return [this.message(topic, '', true)];
  }

  /**
   * Takes a retained activity or health sensor config as "reported before", so a restart does not remove
   * and re-add the entity in Home Assistant. True when it was one.
   */
  private adopt(topic: string): boolean {
    const view = this.view;
    if (!view) return false;
    const objectId = topic.split('/').at(-2) ?? '';
    for (const dog of view.dogs)
      if (objectId === `dog_${slug(dog.id)}_activity`) {
        this.withActivity.add(dog.id);
        return true;
      }
    for (const scanner of view.scanners)
      for (const field of HEALTH_FIELDS)
        if (objectId === `scanner_${slug(scanner.id)}_${field.key}`) {
          const seen = this.healthSeen.get(scanner.id) ?? new Set<string>();
          seen.add(field.key);
          this.healthSeen.set(scanner.id, seen);
          return true;
        }
    return false;
  }

  private isOurConfigTopic(topic: string): boolean {
    const levels = topic.split('/');
    const prefix = this.options.prefix.split('/');
    return (
      levels.length === prefix.length + 4 &&
      prefix.every((p, i) => levels[i] === p) &&
      levels[prefix.length + 1] === this.options.nodeId &&
      levels[levels.length - 1] === 'config'
    );
  }

  private configTopic(e: Entity): string {
    return `${this.options.prefix}/${e.component}/${this.options.nodeId}/${e.objectId}/config`;
  }

  private dogTopic(dog: string, suffix: DogState): string {
    return `${this.options.stateRoot}/dog/${dog.replace(/[/+#]/g, '_')}/${suffix}`;
  }

  private message(topic: string, payload: string, retain: boolean): MqttMessage {
    return { topic, payload, retain, qos: 1 };
  }
}

/** An input error that still carries what the good items of a batch gave. */
export class ObserveError extends Error {
  constructor(
    message: string,
    readonly messages: MqttMessage[],
  ) {
    super(message);
  }
}

/**
 * The device tracker's state: `not_home` when missing or outside every safe zone, else the name of the most
 * specific zone the dog is in (forbidden before info before safe); undefined while the zones are unknown.
 */
export function trackerState(
  view: SiteView,
  dog: string,
  missing: boolean,
  states: ReadonlyMap<string, unknown>,
): string | undefined {
  if (missing) return 'not_home';
  const zones = view.zonesFor(dog);
  const inside = zones.filter((z) => states.get(z.id) === 'inside');
  const safe = zones.filter((z) => z.kind === 'safe');
  if (safe.length > 0 && !safe.some((z) => states.get(z.id) === 'inside')) {
    return safe.every((z) => states.get(z.id) === 'outside') ? 'not_home' : undefined;
  }
  for (const kind of ['forbidden', 'info', 'safe'] as const) {
    const zone = inside.find((z) => z.kind === kind);
    if (zone) return zone.name;
  }
  return 'not_home';
}

/** An id as a discovery topic level and unique id part: [a-zA-Z0-9_-] only, as the documentation asks. */
export function slug(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

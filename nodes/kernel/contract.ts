// Message shapes and MQTT topics of ../shared/CONTRACT.md (contract version 1).
// This is the package's public interface: add optional fields, never rename.

export const CONTRACT_VERSION = 1;

export type FrameKind =
  | 'ibeacon'
  | 'eddystone-uid'
  | 'eddystone-url'
  | 'eddystone-tlm'
  | 'eddystone-eid'
  | 'altbeacon'
  | 'minew-info'
  | 'minew-accel'
  | 'minew-ht'
  | 'unknown';

export interface IBeaconFields {
  uuid: string;
  major: number;
  minor: number;
}

export interface AltBeaconFields {
  company: number;
  id: string;
  id2: number;
  id3: number;
}

export interface EddystoneFields {
  namespace?: string;
  instance?: string;
  url?: string;
  eid?: string;
  batteryMv?: number;
  tempC?: number;
  advCount?: number;
  uptimeS?: number;
}

export interface MinewFields {
  mac?: string;
  name?: string;
  accel?: [number, number, number];
  tempC?: number;
  humidity?: number;
}

export interface RssiReading {
  v: number;
  type: 'rssi';
  scanner: string;
  seq?: number;
  ts: number;
  mac: string;
  id?: string;
  rssi: number;
  txPower?: number;
  frame?: FrameKind;
  ibeacon?: IBeaconFields;
  altbeacon?: AltBeaconFields;
  eddystone?: EddystoneFields;
  minew?: MinewFields;
  battery?: number;
  dog?: string;
  /** Added by rssi-filter: the unfiltered input value. */
  rssiRaw?: number;
  /** Added by rssi-filter: variance estimate of `rssi`, dB². */
  rssiVar?: number;
}

export interface Position {
  v: number;
  type: 'position';
  dog: string;
  ts: number;
  x: number;
  y: number;
  lat?: number;
  lon?: number;
  accuracy: number;
  cov?: [[number, number], [number, number]];
  vx?: number;
  vy?: number;
  scanners: number;
  method: string;
}

export type AlertEvent = 'enter' | 'exit' | 'dwell' | 'missing' | 'found';
export type Severity = 'info' | 'warning' | 'critical';

export interface Alert {
  v: number;
  type: 'alert';
  event: AlertEvent | string;
  dog?: string;
  zone?: string;
  kind?: string;
  severity: Severity;
  ts: number;
  x?: number;
  y?: number;
  since?: number;
  [extra: string]: unknown;
}

export interface MeshNeighbor {
  mac: string;
  iface?: string;
  lastSeenMs?: number;
  tq?: number;
  throughputKbps?: number;
}

export interface Health {
  v: number;
  type: 'health';
  node: string;
  ts: number;
  cpu?: number;
  load1?: number;
  memUsedPct?: number;
  tempC?: number;
  throttled?: number;
  uptimeS?: number;
  wifi?: { iface: string; signalDbm?: number };
  mesh?: {
    iface: string;
    algo?: string;
    originators?: number;
    neighbors?: MeshNeighbor[];
    gateway?: string;
  };
}

export type ContractMessage = RssiReading | Position | Alert | Health;

const TOPIC_ROOT = 'dogtracker/v1';

/** MQTT topics of the contract. Each segment is one id, so `/`, `+` and `#` are replaced. */
export const topics = {
  rssi: (scanner: string): string => `${TOPIC_ROOT}/rssi/${topicSegment(scanner)}`,
  health: (node: string): string => `${TOPIC_ROOT}/health/${topicSegment(node)}`,
  status: (node: string): string => `${TOPIC_ROOT}/status/${topicSegment(node)}`,
  position: (dog: string): string => `${TOPIC_ROOT}/position/${topicSegment(dog)}`,
  alert: (dog: string): string => `${TOPIC_ROOT}/alert/${topicSegment(dog)}`,
  cmd: (node: string): string => `${TOPIC_ROOT}/cmd/${topicSegment(node)}`,
  /** geofence-alert's per-dog zone state (an addition: docs/CONTRACT-EXTENSIONS.md). */
  zoneState: (dog: string): string => `${TOPIC_ROOT}/zone-state/${topicSegment(dog)}`,
} as const;

function topicSegment(id: string): string {
  return id.replace(/[/+#]/g, '_');
}

// Every node's settings table, by node type: the runtime reads its def through one, and the build puts
// each into the node's editor .html (scripts/copy-assets.ts) so the edit dialog checks the same ranges.
import { BATMAN_HEALTH_SETTINGS } from './batman-health';
import { BEACON_SCAN_SETTINGS } from './beacon-scan';
import type { SettingsTable } from './fields';
import { GEOFENCE_ALERT_SETTINGS } from './geofence-alert';
import { INFLUX_WRITE_SETTINGS } from './influx-write';
import { RSSI_FILTER_SETTINGS } from './rssi-filter';
import { TRACKER_INFLUX_SETTINGS } from './tracker-influx';
import { TRACKER_MAP_SETTINGS } from './tracker-map';
import { TRILATERATE_SETTINGS } from './trilaterate';

export * from './fields';

export const NODE_SETTINGS: Readonly<Record<string, SettingsTable>> = {
  'beacon-scan': BEACON_SCAN_SETTINGS,
  'rssi-filter': RSSI_FILTER_SETTINGS,
  trilaterate: TRILATERATE_SETTINGS,
  'geofence-alert': GEOFENCE_ALERT_SETTINGS,
  'influx-write': INFLUX_WRITE_SETTINGS,
  'tracker-influx': TRACKER_INFLUX_SETTINGS,
  'tracker-map': TRACKER_MAP_SETTINGS,
  'batman-health': BATMAN_HEALTH_SETTINGS,
};

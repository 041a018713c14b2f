// tracker-map's editor fields and the ranges its runtime accepts.
import type { SettingsTable } from './fields';

export const TRACKER_MAP_SETTINGS = {
  name: { type: 'string', default: '' },
  site: { type: 'string', required: true },
  path: { type: 'string', default: '', help: 'checked by the node: one lower-case segment or empty' },
  title: { type: 'string', default: 'Dog tracker' },
  trailMinutes: { type: 'number', min: 0, minExclusive: true, max: 1440, default: 5, unit: 'min' },
  alerts: { type: 'integer', min: 1, max: 1000, default: 50 },
  maxClients: { type: 'integer', min: 1, max: 1000, default: 50, help: 'browsers served at once' },
  tileUrl: { type: 'string', default: '' },
  tileAttribution: { type: 'string', default: '' },
  // How far ahead of the other dogs' positions (live: of the hub's clock) a position may be.
  maxSkew: { type: 'number', min: 0, max: 86400, default: 30, unit: 's' },
} as const satisfies SettingsTable;

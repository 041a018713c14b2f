// geofence-alert's editor fields and the ranges its runtime (geofence-alert/fence-options.ts) accepts.
import type { SettingsTable } from './fields';

export const GEOFENCE_ALERT_SETTINGS = {
  name: { type: 'string', default: '' },
  site: { type: 'string', default: '' },
  confidence: {
    type: 'number',
    min: 50,
    max: 100,
    minExclusive: true,
    maxExclusive: true,
    default: 95,
    unit: '%',
  },
  marginM: { type: 'number', min: 0, default: 3, unit: 'm' },
  holdS: { type: 'number', min: 0, default: 15, unit: 's' },
  missingS: { type: 'number', min: 0, minExclusive: true, default: 120, unit: 's' },
  missingSeverity: { type: 'enum', values: ['info', 'warning', 'critical'], default: 'warning' },
  // How far ahead of the other dogs' positions (live: of the hub's clock) a position may be.
  maxSkew: { type: 'number', min: 0, max: 86400, default: 30, unit: 's' },
  followUnknown: { type: 'boolean', default: false },
} as const satisfies SettingsTable;

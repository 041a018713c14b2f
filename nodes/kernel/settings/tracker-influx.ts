// tracker-influx's editor fields (the connection config node) and the ranges its runtime accepts.
import type { SettingsTable } from './fields';

export const TRACKER_INFLUX_SETTINGS = {
  name: { type: 'string', default: '' },
  version: {
    type: 'enum',
    values: ['1', '2', '3'],
    default: '1',
    help: '2: InfluxDB 2.x and 3.x; 3: InfluxDB 3 Core / Enterprise (history read with SQL)',
  },
  url: { type: 'string', default: 'http://127.0.0.1:8086' },
  database: { type: 'string', default: 'dogtracker' },
  retentionPolicy: { type: 'string', default: '' },
  org: { type: 'string', default: '' },
  bucket: { type: 'string', default: 'dogtracker' },
  timeoutS: { type: 'number', min: 0, minExclusive: true, max: 600, default: 10, unit: 's' },
} as const satisfies SettingsTable;

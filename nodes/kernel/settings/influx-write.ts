// influx-write's editor fields and the ranges its runtime accepts.
import type { SettingsTable } from './fields';

export const INFLUX_WRITE_SETTINGS = {
  name: { type: 'string', default: '' },
  server: { type: 'string', required: true },
  batchSize: { type: 'integer', min: 1, max: 100000, default: 1000, unit: 'points' },
  flushMs: { type: 'integer', min: 1, default: 1000, unit: 'ms' },
  maxQueuedPoints: { type: 'integer', min: 1, default: 1000000, unit: 'points' },
  retryMinS: { type: 'number', min: 0, minExclusive: true, default: 1, unit: 's' },
  retryMaxS: { type: 'number', min: 0, minExclusive: true, default: 60, unit: 's' },
  // Raw readings stored: every one, one point per scanner and beacon per second, or none.
  rawReadings: { type: 'enum', values: ['all', 'second', 'off'], default: 'second' },
} as const satisfies SettingsTable;

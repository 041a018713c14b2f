// rssi-filter's editor fields, and the smoother's own options (rssi-filter/rssi-smoother.ts checks them
// with this table, so the editor, the adapter and the core agree).
import type { SettingsTable } from './fields';

export const RSSI_FILTER_SETTINGS = {
  name: { type: 'string', default: '' },
  mode: { type: 'enum', values: ['kalman', 'median', 'trimmed-mean'], default: 'kalman' },
  processNoise: { type: 'number', min: 0, minExclusive: true, default: 8, unit: 'dB²/s' },
  measurementNoise: { type: 'number', min: 0, minExclusive: true, default: 9, unit: 'dB²' },
  gate: { type: 'number', min: 0, default: 3, unit: 'sigma', help: '0 turns the outlier gate off' },
  window: {
    type: 'integer',
    min: 1,
    max: 100,
    default: 5,
    help: 'readings in the median or trimmed-mean window',
  },
  forgetS: { type: 'number', min: 0, minExclusive: true, default: 60, unit: 's' },
  maxPairs: {
    type: 'integer',
    min: 1,
    max: 10_000_000,
    default: 10000,
    help: '(scanner, beacon) pairs smoothed at once, about 350 bytes each; with a site, at least 2 x scanners x dogs',
  },
  // How far ahead of the other scanners (live: of the hub's clock) a reading may be.
  maxSkew: { type: 'number', min: 0, max: 86400, default: 5, unit: 's' },
  site: { type: 'string', default: '' },
} as const satisfies SettingsTable;

/** RssiSmoother's numeric options, in the core's own units (ms, not s). */
export const RSSI_SMOOTHER_OPTIONS = {
  processNoise: RSSI_FILTER_SETTINGS.processNoise,
  measurementNoise: RSSI_FILTER_SETTINGS.measurementNoise,
  gateSigmas: RSSI_FILTER_SETTINGS.gate,
  // 0 would accept every outlier at once: the filter would pass readings through unsmoothed.
  maxRejections: { type: 'integer', min: 1, default: 3 },
  windowSize: RSSI_FILTER_SETTINGS.window,
  forgetAfterMs: { type: 'number', min: 0, minExclusive: true, default: 60000, unit: 'ms' },
  maxPairs: RSSI_FILTER_SETTINGS.maxPairs,
  maxAheadMs: { type: 'number', min: 0, default: 5000, unit: 'ms' },
} as const satisfies SettingsTable;

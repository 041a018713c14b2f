// trilaterate's editor fields, and the locator options checkLocatorOptions (trilaterate/locator.ts)
// checks with the same ranges.
import type { SettingsTable } from './fields';

export const TRILATERATE_SETTINGS = {
  name: { type: 'string', default: '' },
  site: { type: 'string', default: '' },
  interval: { type: 'number', min: 0.05, max: 3600, default: 1, unit: 's' },
  trackAll: { type: 'boolean', default: false },
  tracking: { type: 'boolean', default: true },
  modelSigma: { type: 'number', min: 0, minExclusive: true, max: 30, default: 7, unit: 'dB' },
  maxSpeed: { type: 'number', min: 0, minExclusive: true, default: 12, unit: 'm/s' },
  margin: { type: 'number', min: 0, default: 2, unit: 'm' },
  // How far ahead of the other scanners (live: of the hub's clock) a reading may be.
  maxSkew: { type: 'number', min: 0, max: 86400, default: 5, unit: 's' },
  maxTracks: {
    type: 'integer',
    min: 1,
    max: 1_000_000,
    default: 1000,
    help: 'dogs and other beacons tracked at once; a site with more dogs raises it to twice its dogs',
  },
} as const satisfies SettingsTable;

/** The locator's options in its own units. */
export const LOCATOR_OPTIONS = {
  intervalMs: { type: 'number', min: 50, max: 3_600_000, unit: 'ms', required: true },
  modelSigmaDb: { ...TRILATERATE_SETTINGS.modelSigma, required: true },
  regionMarginM: { ...TRILATERATE_SETTINGS.margin, required: true },
  maxTracks: { type: 'integer', min: 1, required: true },
  maxSpeed: TRILATERATE_SETTINGS.maxSpeed,
  maxAheadMs: { type: 'number', min: 0, max: 86_400_000, unit: 'ms', required: true },
} as const satisfies SettingsTable;

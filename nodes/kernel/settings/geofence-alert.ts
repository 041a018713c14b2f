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
  // Evidence pooled over a dog's recent positions (geofence-alert/evidence.ts), so a dog lying in a
  // small zone is told although no single position is sure of the side.
  poolS: {
    type: 'number',
    min: 0,
    max: 600,
    default: 60,
    unit: 's',
    help: 'Positions of a dog that stays put are pooled over about this long (exponential forgetting); 0 turns pooling off.',
  },
  pooledConfidence: {
    type: 'number',
    min: 90,
    max: 100,
    maxExclusive: true,
    default: 99.999,
    unit: '%',
    help: 'Probability with which the pooled positions must put the dog on one side to count. Higher: fewer false alerts at a fence, slower in small zones.',
  },
  pooledHoldS: {
    type: 'number',
    min: 0,
    max: 600,
    default: 0,
    unit: 's',
    help: 'How long the pooled evidence must hold before its event fires (it is gathered over time already).',
  },
  correlatedPositions: {
    type: 'number',
    min: 0,
    max: 100,
    default: 0,
    help: 'How many consecutive positions share one error: a smoothing tracker repeats its error, so n positions are worth about n / this independent ones. 0 (default): learnt from the positions of each dog, starting cautious (9); 1: every position independent.',
  },
  followUnknown: { type: 'boolean', default: false },
} as const satisfies SettingsTable;

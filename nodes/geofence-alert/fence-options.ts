// The geofence-alert node's settings, read from the editor's (string or number) fields and checked.
// Pure: no Node-RED here.
import type { Severity } from '../kernel/contract';
import { readSettings } from '../kernel/settings';
import { GEOFENCE_ALERT_SETTINGS } from '../kernel/settings/geofence-alert';

export interface FenceOptions {
  /** Probability (0.5 < c < 1) with which a position must be on one side of a boundary to count. */
  confidence: number;
  /** Metres past a boundary that count whatever the uncertainty; 0 turns this off. */
  marginM: number;
  /** How long (ms of event time) a new side must be held before its event fires. */
  holdMs: number;
  /** A dog with no position for longer than this (ms) is missing. */
  missingMs: number;
  missingSeverity: Severity;
  /**
   * A position more than this (ms) ahead of the other dogs' (live: of the wall clock) is refused: one
   * wrong timestamp must not move the missing clock on for every dog. Positions come once per
   * trilaterate interval, all dogs at once, so this must be longer than that interval.
   */
  maxAheadMs: number;
  /** Forgetting time (ms) of the pooled positions of a dog that stays put; 0 turns pooling off. */
  poolMs: number;
  /** Probability with which the pooled positions must put the dog on one side to count. */
  pooledConfidence: number;
  /** How long (ms) pooled evidence must hold before its event fires (it is gathered over time already). */
  pooledHoldMs: number;
  /** How many consecutive positions one position's error lasts (a smoothing tracker repeats it): K in evidence.ts. */
  correlatedPositions: number;
  /** Also watch dogs the site does not list (trilaterate tracking every beacon), at most MAX_UNLISTED_DOGS. */
  followUnknown: boolean;
}

/** Dogs outside the site's list kept when following unknown beacons (the least recently seen go first). */
export const MAX_UNLISTED_DOGS = 100;

/**
 * Chosen on simulated tracker output whose error wanders (AR(1), 0.8 per second, sigma 1.5 m): a dog
 * lying on the fence line for 20 dog-hours gives no alert with these, 27 with 90 % / 2 m / 10 s; a dog
 * walking out at 1 m/s is told 17-19 s after it crossed (see test/geofence-alert/geofence.test.ts).
 */
export const DEFAULT_OPTIONS: FenceOptions = {
  confidence: 0.95,
  marginM: 3,
  holdMs: 15000,
  missingMs: 120000,
  missingSeverity: 'warning',
  maxAheadMs: 30000,
  poolMs: 60000,
  pooledConfidence: 0.99999,
  pooledHoldMs: 0,
  correlatedPositions: 0,
  followUnknown: false,
};

export interface FenceOptionFields {
  confidence?: unknown;
  marginM?: unknown;
  holdS?: unknown;
  missingS?: unknown;
  missingSeverity?: unknown;
  maxSkew?: unknown;
  poolS?: unknown;
  pooledConfidence?: unknown;
  pooledHoldS?: unknown;
  correlatedPositions?: unknown;
  followUnknown?: unknown;
}

export type OptionsResult = { ok: true; options: FenceOptions } | { ok: false; errors: string[] };

/**
 * Fields as the editor stores them: percent for confidence, seconds for times; blank means default. Read
 * through geofence-alert's settings table (nodes/kernel/settings), which the editor checks with too.
 */
export function readOptions(fields: FenceOptionFields): OptionsResult {
  const read = readSettings(GEOFENCE_ALERT_SETTINGS, fields);
  if (!read.ok) return { ok: false, errors: read.problems };
  const v = read.values;
  return {
    ok: true,
    options: {
      confidence: v.confidence / 100,
      marginM: v.marginM,
      holdMs: Math.round(v.holdS * 1000),
      missingMs: Math.round(v.missingS * 1000),
      missingSeverity: v.missingSeverity,
      maxAheadMs: Math.round(v.maxSkew * 1000),
      poolMs: Math.round(v.poolS * 1000),
      // Rounded: 99.999 / 100 is not 0.99999 in floating point.
      pooledConfidence: Math.round(v.pooledConfidence * 1e6) / 1e8,
      pooledHoldMs: Math.round(v.pooledHoldS * 1000),
      correlatedPositions: v.correlatedPositions,
      followUnknown: v.followUnknown,
    },
  };
}

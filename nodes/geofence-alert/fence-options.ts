// The geofence-alert node's settings, read from the editor's (string or number) fields and checked.
// Pure: no Node-RED here.
import type { Severity } from '../kernel/contract';
import { SEVERITIES } from '../kernel/site-document';

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
  followUnknown: false,
};

export interface FenceOptionFields {
  confidence?: unknown;
  marginM?: unknown;
  holdS?: unknown;
  missingS?: unknown;
  missingSeverity?: unknown;
  maxSkew?: unknown;
  followUnknown?: unknown;
}

export type OptionsResult = { ok: true; options: FenceOptions } | { ok: false; errors: string[] };

/** Fields as the editor stores them: percent for confidence, seconds for times; blank means default. */
export function readOptions(fields: FenceOptionFields): OptionsResult {
  const errors: string[] = [];
  const num = (
    value: unknown,
    name: string,
    fallback: number,
    ok: (n: number) => boolean,
    rule: string,
  ): number => {
    if (value === undefined || value === null || value === '') return fallback;
    const n = typeof value === 'number' ? value : Number(String(value).trim());
    if (!Number.isFinite(n) || !ok(n)) {
      errors.push(`${name} must be ${rule}, not ${JSON.stringify(value)}`);
      return fallback;
    }
    return n;
  };
  const confidencePct = num(
    fields.confidence,
    'confidence',
    DEFAULT_OPTIONS.confidence * 100,
    (n) => n > 50 && n < 100,
    'a percentage above 50 and below 100',
  );
  const marginM = num(fields.marginM, 'margin', DEFAULT_OPTIONS.marginM, (n) => n >= 0, 'metres, 0 or more');
  const holdS = num(fields.holdS, 'hold', DEFAULT_OPTIONS.holdMs / 1000, (n) => n >= 0, 'seconds, 0 or more');
  const missingS = num(
    fields.missingS,
    'missing after',
    DEFAULT_OPTIONS.missingMs / 1000,
    (n) => n > 0,
    'seconds, above 0',
  );
  const maxSkewS = num(
    fields.maxSkew,
    'clock skew limit',
    DEFAULT_OPTIONS.maxAheadMs / 1000,
    (n) => n >= 0,
    'seconds, 0 or more',
  );
  let missingSeverity = DEFAULT_OPTIONS.missingSeverity;
  if (fields.missingSeverity !== undefined && fields.missingSeverity !== '') {
    if (SEVERITIES.includes(fields.missingSeverity as Severity))
      missingSeverity = fields.missingSeverity as Severity;
    else errors.push(`missing severity must be one of ${SEVERITIES.join(', ')}`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    options: {
      confidence: confidencePct / 100,
      marginM,
      holdMs: Math.round(holdS * 1000),
      missingMs: Math.round(missingS * 1000),
      missingSeverity,
      maxAheadMs: Math.round(maxSkewS * 1000),
      followUnknown: fields.followUnknown === true || fields.followUnknown === 'true',
    },
  };
}

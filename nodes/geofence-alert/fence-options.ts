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
}

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
};

export interface FenceOptionFields {
  confidence?: unknown;
  marginM?: unknown;
  holdS?: unknown;
  missingS?: unknown;
  missingSeverity?: unknown;
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
    },
  };
}

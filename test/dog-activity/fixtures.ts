// The site the history tests read zones from: Rex, the yard and the pool in it.
import assert from 'node:assert/strict';
import { validateSite, type Site } from '../../nodes/kernel/site-document';
import { yardAndPoolZones } from '../support/sites';

export function historySite(poolName = 'Pool'): Site {
  const result = validateSite({
    name: 'h',
    scanners: [],
    dogs: [{ id: 'rex', beacon: 'ac:23:3f:a3:80:4b' }],
    zones: yardAndPoolZones(poolName),
  });
  assert.ok(result.ok, JSON.stringify(result));
  return result.site;
}

/** Rex entering the pool (forbidden, critical): the alert the history tests store beside the track. */
export function poolAlert(ts: number): Record<string, unknown> {
  return {
    v: 1,
    type: 'alert',
    event: 'enter',
    dog: 'rex',
    zone: 'pool',
    kind: 'forbidden',
    severity: 'critical',
    ts,
  };
}

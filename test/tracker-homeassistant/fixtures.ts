// A site for the Home Assistant tests: an origin (so trackers get GPS), three scanners, two dogs, a yard
// (safe) with a pool (forbidden) in it.
import { yardAndPoolZones } from '../support/sites';

export const T0 = 1763800000000;

export const SITE = {
  name: 'Home',
  origin: { lat: 52.0907, lon: 5.1214, rotationDeg: 0 },
  scanners: [
    { id: 'pi-yard-sw', name: 'Yard south-west', x: 0, y: 0 },
    { id: 'pi-yard-se', x: 20, y: 0 },
    { id: 'esp-kitchen', x: 10, y: 30 },
  ],
  dogs: [
    { id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' },
    { id: 'bella', name: 'Bella', beacon: 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2' },
  ],
  zones: yardAndPoolZones(),
};

export function position(
  dog: string,
  ts: number,
  x: number,
  y: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    v: 1,
    type: 'position',
    dog,
    ts,
    x,
    y,
    accuracy: 1.8,
    vx: 0.3,
    vy: 0.4,
    scanners: 3,
    method: 'tracker',
    ...extra,
  };
}

export function zoneState(
  dog: string,
  ts: number,
  yard: string,
  pool: string,
  missing = false,
): Record<string, unknown> {
  return {
    v: 1,
    type: 'zone-state',
    dog,
    ts,
    missing,
    inside: [yard === 'inside' ? 'yard' : '', pool === 'inside' ? 'pool' : ''].filter(Boolean),
    zones: [
      { zone: 'yard', name: 'Yard', kind: 'safe', state: yard, dwell: false },
      { zone: 'pool', name: 'Pool', kind: 'forbidden', state: pool, dwell: false },
    ],
  };
}

export function exitAlert(dog: string, ts: number): Record<string, unknown> {
  return {
    v: 1,
    type: 'alert',
    event: 'exit',
    dog,
    zone: 'yard',
    kind: 'safe',
    severity: 'critical',
    ts,
    x: 21,
    y: 31,
    zoneName: 'Yard',
  };
}

export const HEALTH = {
  v: 1,
  type: 'health',
  node: 'pi-yard-sw',
  ts: T0,
  cpu: 23.5,
  load1: 0.41,
  memUsedPct: 61.2,
  tempC: 51.2,
  uptimeS: 86400,
  wifi: { iface: 'wlan0', signalDbm: -58 },
  mesh: { iface: 'bat0', originators: 5, neighbors: [] },
};

// The contract's example site, used across tests.
export const CONTRACT_SITE = {
  name: 'Home',
  origin: { lat: 52.0907, lon: 5.1214, rotationDeg: 0 },
  defaults: { rssiAt1m: -59, pathLossExponent: 2.2, tagHeight: 0.5 },
  scanners: [
    { id: 'pi-yard-ne', x: 20, y: 30, z: 1.5, rssiOffset: 0, pathLossExponent: 2.2 },
    { id: 'pi-yard-nw', x: 0, y: 30 },
    { id: 'pi-yard-s', x: 10, y: 0, rssiOffset: -3 },
  ],
  dogs: [
    { id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b', rssiAt1m: -61 },
    { id: 'bella', beacon: 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2' },
  ],
  zones: [
    {
      id: 'yard',
      name: 'Yard',
      kind: 'safe',
      polygon: [
        [0, 0],
        [20, 0],
        [20, 30],
        [0, 30],
      ],
    },
    { id: 'pool', name: 'Pool', kind: 'forbidden', circle: { x: 5, y: 5, r: 3 }, dogs: ['rex'] },
  ],
};

export function siteText(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...CONTRACT_SITE, ...overrides });
}

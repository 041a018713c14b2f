// The zones most test sites share: the contract's yard (20 x 30 m, safe) with its pool (a 3 m circle,
// forbidden) in it.

/** New objects on each call, so a test may change its copy. */
export function yardAndPoolZones(poolName = 'Pool'): Array<Record<string, unknown>> {
  return [
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
    { id: 'pool', name: poolName, kind: 'forbidden', circle: { x: 5, y: 5, r: 3 } },
  ];
}

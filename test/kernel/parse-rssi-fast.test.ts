// The rssi parser's fast path (isValidRssi) against its full field checks: whatever the fast path passes,
// the full parser passes too, and valid readings of every shape take the fast path. The hub parses every
// reading twice (rssi-filter, trilaterate), so the fast path must never be looser than the rules.
import assert from 'node:assert/strict';
import { checkRssiFields, isValidRssi, parseRssi } from '../../nodes/kernel/parse/rssi';
import { reading as CONTRACT_READING } from '../influx-write/fixtures';

// The contract's example reading, with the filter's fields too.
const GOOD = { ...CONTRACT_READING, rssiRaw: -73, rssiVar: 2.5 };

/** Values a field could hold, good and bad. */
const VALUES: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  -71,
  -151,
  31,
  100,
  101,
  2 ** 60,
  Number.NaN,
  Infinity,
  -Infinity,
  '',
  'x',
  'rssi',
  'ibeacon',
  'x'.repeat(129),
  true,
  {},
  { a: Number.NaN },
  { a: [1, Infinity] },
  [],
  [1],
  1763800000123,
  Date.UTC(2100, 0, 1),
];

function agree(value: unknown, label: string): void {
  const fast = isValidRssi(value);
  const full = checkRssiFields(value).ok;
  if (fast) assert.equal(full, true, `fast path passed what the parser refuses: ${label}`);
  assert.equal(parseRssi(value).ok, full, `parseRssi differs from the full checks: ${label}`);
}

describe('rssi parser fast path', () => {
  it('passes a full reading and a minimal one, as the parser does', () => {
    assert.equal(isValidRssi(GOOD), true);
    assert.equal(isValidRssi({ scanner: 's', ts: 0, mac: 'm', rssi: -60 }), true);
    assert.equal(isValidRssi(JSON.parse(JSON.stringify(GOOD))), true);
  });

  it('never passes what the parser refuses, field by field', () => {
    const fields = [...Object.keys(GOOD), 'altbeacon', 'eddystone', 'minew', 'later', 'nested'];
    let refused = 0;
    for (const key of fields)
      for (const value of VALUES) {
        const reading: Record<string, unknown> = { ...GOOD, [key]: value };
        agree(reading, `${key} = ${String(value)}`);
        if (!checkRssiFields(reading).ok) {
          refused++;
          assert.equal(isValidRssi(reading), false, `${key} = ${String(value)}`);
        }
        const without: Record<string, unknown> = { ...GOOD };
        delete without[key];
        agree(without, `without ${key}`);
      }
    assert.ok(refused > 100, `only ${refused} refusals tried`);
  });

  it('refuses what is not a plain reading object, and a JSON __proto__ field goes to the parser', () => {
    for (const value of [null, undefined, 1, 'x', [GOOD], new Date(), Object.assign(new (class {})(), GOOD)])
      assert.equal(isValidRssi(value), false);
    const proto = JSON.parse('{"scanner":"s","ts":0,"mac":"m","rssi":-60,"__proto__":{"a":1}}') as unknown;
    assert.equal(isValidRssi(proto), false);
    agree(proto, '__proto__');
    assert.equal(isValidRssi(Object.assign(Object.create(null) as object, GOOD)), true);
  });
});

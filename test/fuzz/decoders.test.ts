// Fuzz of the pure decoders: beacon-scan's frame decoder on mutated and random advertisement data, and
// influx-write's conversion core (contract message -> line protocol) on hostile messages.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeAdvert, frameId, type AdvertData } from '../../nodes/beacon-scan/frames';
import { nonFinitePath } from '../../nodes/kernel/checks';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { VECTORS } from '../beacon-scan/vectors';
import { alert, health, position, reading } from '../influx-write/fixtures';
import { BLOCK_LIMIT_MS, Breaches, countCases, ERROR_TEXT_LIMIT, runs, SEED, TimedCases } from './harness';
import { fcOptions, garbage, hostile, hostileTs } from './generators';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

/** A vector's bytes with one byte changed, cut short or lengthened; or random bytes under a known UUID. */
function bytesNear(base: Uint8Array | undefined): fc.Arbitrary<Uint8Array> {
  const b = base ?? new Uint8Array(0);
  return fc.oneof(
    fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }).map(({ at, byte }) => {
      const c = Uint8Array.from(b);
      if (c.length) c[at % c.length] = byte;
      return c;
    }),
    fc.nat().map((at) => b.subarray(0, b.length ? at % b.length : 0)),
    fc.uint8Array({ maxLength: 40 }).map((extra) => Uint8Array.from([...b, ...extra])),
    fc.uint8Array({ maxLength: 40 }),
    fc.constant(b),
  );
}

const advert: fc.Arbitrary<AdvertData> = fc.oneof(
  ...VECTORS.map((v) =>
    fc.record(
      {
        manufacturerData: bytesNear(v.manufacturerData ? hex(v.manufacturerData) : undefined),
        serviceData: fc.array(
          fc.record({
            uuid: fc.oneof(
              fc.constant(v.serviceData?.uuid ?? 'feaa'),
              fc.constantFrom('feaa', 'ffe1', 'FEAA', '', 'feaa0'),
              fc.stringMatching(/^[0-9a-f]{4}$/),
            ),
            data: bytesNear(v.serviceData ? hex(v.serviceData.data) : undefined),
          }),
          { maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
  ),
);

describe('fuzz: BLE frame decoder', function () {
  this.timeout(60_000);
  const cases = new TimedCases();
  const nonFinite = new Breaches();
  const longText = new Breaches();

  before(() => {
    fc.assert(
      fc.property(advert, (ad) => {
        cases.run(ad, () => {
          const d = decodeAdvert(ad);
          const id = frameId(d, 'aa:bb:cc:dd:ee:ff');
          const where = nonFinitePath(d);
          if (where) nonFinite.add(cases.count, ad, `decoded ${where} is not finite (frame ${d.frame})`);
          if ((d.undecoded ?? '').length >= ERROR_TEXT_LIMIT || id.length >= ERROR_TEXT_LIMIT)
            longText.add(cases.count, ad, `undecoded ${d.undecoded?.length} chars, id ${id.length} chars`);
        });
      }),
      fcOptions(SEED + 41, runs(22_000)),
    );
    countCases('BLE frame decoder', cases.count);
  });

  it('never throws (pure and total)', () => cases.thrown.assertNone('frames: throws'));
  it('decodes no non-finite number', () => nonFinite.assertNone('frames: non-finite'));
  it(`keeps its explanations under ${ERROR_TEXT_LIMIT} characters`, () =>
    longText.assertNone('frames: long texts'));
  it(`decodes each advertisement in under ${BLOCK_LIMIT_MS} ms`, () => cases.assertFast('frames'));
  it('still decodes every shared vector as expected', () => {
    for (const v of VECTORS) {
      const ad: AdvertData = {};
      if (v.manufacturerData) ad.manufacturerData = hex(v.manufacturerData);
      if (v.serviceData) ad.serviceData = [{ uuid: v.serviceData.uuid, data: hex(v.serviceData.data) }];
      const d = decodeAdvert(ad) as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(v.expect))
        if (key in d) assert.deepEqual(d[key], value, `${v.name}.${key}`);
    }
  });
});

/** InfluxDB's time range in milliseconds (int64 nanoseconds: 1677-09-21 to 2262-04-11). */
const INFLUX_MAX_MS = 9_223_372_036_854;

const message = fc.oneof(
  fc.constant(reading),
  fc.constant(position),
  fc.constant(alert),
  fc.constant(health),
  fc.record({ ts: hostileTs }).map(({ ts }) => ({ ...position, ts })),
) as fc.Arbitrary<Record<string, unknown>>;

describe('fuzz: influx-write conversion core', function () {
  this.timeout(60_000);
  const cases = new TimedCases();
  const badLines = new Breaches();
  const longErrors = new Breaches();

  before(() => {
    const input = fc.oneof(
      { weight: 6, arbitrary: hostile(message) },
      { weight: 2, arbitrary: fc.array(hostile(message), { maxLength: 6 }) },
      { weight: 1, arbitrary: hostile(message).map((m) => JSON.stringify(m)) },
      { weight: 2, arbitrary: garbage },
    );
    fc.assert(
      fc.property(input, (payload) => {
        cases.run(payload, () => {
          const { lines, errors } = toLineProtocol(payload);
          for (const line of lines) {
            // Line protocol has no NaN or Infinity, and InfluxDB keeps times (ns) from 1677 to 2262 only:
            // a line outside that makes it refuse the whole batch.
            const stamp = / (-?\d+)$/.exec(line);
            const ms = stamp ? Number(stamp[1]) : Number.NaN;
            // Only the field set carries numbers: a tag or string field may be the text "NaN" (an id).
            const fields = line
              .replace(/^(?:[^ \\]|\\.)*\s/, '')
              .replace(/\s\S+$/, '')
              .replace(/"(?:[^"\\]|\\.)*"/g, '""');
            if (/=-?(NaN|Infinity|inf)\b/i.test(fields) || !(Math.abs(ms) <= INFLUX_MAX_MS))
              badLines.add(cases.count, payload, `line: ${line.slice(0, 200)}`);
          }
          const long = errors.find((e) => e.length >= ERROR_TEXT_LIMIT);
          if (long)
            longErrors.add(cases.count, payload, `an error of ${long.length} chars: ${long.slice(0, 120)}…`);
        });
      }),
      fcOptions(SEED + 42, runs(8_000)),
    );
    countCases('influx-write conversion core', cases.count);
  });

  it('never throws', () => cases.thrown.assertNone('toLineProtocol: throws'));
  it("writes no NaN or Infinity and no time outside InfluxDB's range into a line", () =>
    badLines.assertNone('toLineProtocol: bad lines'));
  it(`keeps each error under ${ERROR_TEXT_LIMIT} characters`, () =>
    longErrors.assertNone('toLineProtocol: long errors'));
  it(`converts each message in under ${BLOCK_LIMIT_MS} ms`, () => cases.assertFast('toLineProtocol'));
  it('still converts the contract messages as before', () => {
    assert.deepEqual(toLineProtocol(reading), {
      lines: [
        'rssi,dog=rex,mac=ac:23:3f:a3:80:4b,scanner=pi-yard-ne rssi=-71,txPower=-59,battery=94 1763800000123',
      ],
      errors: [],
    });
    assert.deepEqual(toLineProtocol(position).lines, [
      'position,dog=rex x=12.4,y=7.9,lat=52.09077,lon=5.12158,accuracy=1.8,vx=0.4,vy=-1.1,scanners=4i,method="tracker" 1763800001000',
    ]);
  });
});

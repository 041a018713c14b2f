// Fuzz of beacon-scan: raw advertising reports through the real noble (its Linux GAP parser over the test
// bindings' fake HCI socket) into the node, and the command input (start, stop, rescan and garbage).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import beaconScan = require('../../nodes/beacon-scan/beacon-scan');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import type { RssiReading } from '../../nodes/kernel/contract';
import { helper, onTab, statusWhere, type FlowNode } from '../support/flow';
import { siteText } from '../tracker-site/fixtures';
import { settle, testStackFactory } from '../beacon-scan/test-bindings';
import { advertisingData, vector, VECTORS } from '../beacon-scan/vectors';
import { feedGood, fuzzNode } from './fuzz-node';
import { BLOCK_LIMIT_MS, catchingUncaught, countCases, gcReported, Probe, runs, SEED } from './harness';
import { fcOptions, garbage, hostileValue, inputMsg } from './generators';

const SITE: FlowNode = { id: 'site1', type: 'tracker-site', name: 'yard site', config: siteText() };

function scanNode(extra: Record<string, unknown> = {}): FlowNode {
  return {
    id: 'scan1',
    type: 'beacon-scan',
    name: 'the scanner',
    scanner: 'pi-test',
    stallS: 3600,
    resetAfter: 0,
    batchMs: 0,
    wires: [[]],
    ...extra,
  };
}

const VECTOR_BYTES = VECTORS.map((v) => advertisingData(v));

/** One advertising report: a shared vector's bytes mutated (flipped, cut, lengthened, length lies) or random AD. */
const advert = fc.record({
  address: fc.oneof(
    fc.constantFrom('ac:23:3f:a3:80:4b', 'AC:23:3F:A3:80:4B', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff'),
    fc
      .uint8Array({ minLength: 6, maxLength: 6 })
      .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':')),
  ),
  data: fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({
          base: fc.nat({ max: VECTOR_BYTES.length - 1 }),
          at: fc.nat(),
          byte: fc.integer({ min: 0, max: 255 }),
          how: fc.constantFrom('flip', 'cut', 'extend', 'as-is', 'length'),
          extra: fc.uint8Array({ maxLength: 40 }),
        })
        .map(({ base, at, byte, how, extra }) => {
          const b = Buffer.from(VECTOR_BYTES[base]);
          const i = at % b.length;
          if (how === 'flip') b[i] = byte;
          if (how === 'cut') return b.subarray(0, i);
          if (how === 'extend') return Buffer.concat([b, Buffer.from(extra)]);
          if (how === 'length') b[0] = byte; // the first AD structure's length lies
          return b;
        }),
    },
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 31 }).map((b) => Buffer.from(b)) },
    {
      weight: 2,
      // Well-formed AD structures of random types and contents (0xff manufacturer, 0x16 service data, ...).
      arbitrary: fc
        .array(
          fc.record({
            type: fc.constantFrom(0x01, 0x03, 0x09, 0x0a, 0x16, 0xff, 0x20, 0x21),
            body: fc.uint8Array({ maxLength: 26 }),
          }),
          { maxLength: 4 },
        )
        .map((ads) =>
          Buffer.concat(
            ads.map(({ type, body }) =>
              Buffer.concat([Buffer.from([body.length + 1, type]), Buffer.from(body)]),
            ),
          ),
        ),
    },
  ),
  rssi: fc.oneof(fc.integer({ min: -110, max: -20 }), fc.constantFrom(127, -128, 0, 20, 126)),
  type: fc.constantFrom(0x00, 0x03, 0x04, 0x02, 0x07),
});

describe('fuzz: beacon-scan adverts through noble', function () {
  this.timeout(120_000);
  let probe: Probe;
  let stacks: ReturnType<typeof testStackFactory>;
  const bad: string[] = [];

  before(async () => {
    stacks = testStackFactory();
    helper.settings({ beaconScan: { createStack: stacks.create } } as never);
    await helper.startServer();
    await helper.load([beaconScan, trackerSite] as never, onTab([SITE, scanNode({ site: 'site1' })]));
    const scan = helper.getNode('scan1');
    await statusWhere(scan, (s) => /^scanning hci0/.test(s.text ?? ''));
    probe = new Probe(scan);
    const bindings = stacks.made[0].bindings;
    await catchingUncaught(probe.uncaught, probe, async () => {
      fc.assert(
        fc.property(advert, (a) => {
          probe.timed(a, () => bindings.advertise(a.address, a.data, a.rssi, a.type));
        }),
        fcOptions(SEED + 21, runs(10_000)),
      );
      await settle();
    });
    countCases('beacon-scan adverts (noble)', probe.cases);
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
  });

  it('never throws (in noble or the node), and nothing is left uncaught', () => {
    probe.thrown.assertNone('beacon-scan adverts: throws');
    probe.uncaught.assertNone('beacon-scan adverts: uncaught');
  });

  it('emits no non-finite number', () => {
    probe.nonFinite.assertNone('beacon-scan adverts: non-finite output');
  });

  it(`holds the event loop under ${BLOCK_LIMIT_MS} ms per advertisement`, async () => {
    await gcReported();
    probe.blocking.assertNone(`beacon-scan adverts: blocking (max ${probe.maxMs.toFixed(1)} ms)`);
  });

  it('emits only contract readings: a MAC, an integer rssi within what a radio reports, a finite ts', () => {
    for (const m of probe.sent.slice(-1000)) {
      const readings = (Array.isArray(m.payload) ? m.payload : [m.payload]) as RssiReading[];
      for (const r of readings) {
        const ok =
          r.type === 'rssi' &&
          r.scanner === 'pi-test' &&
          /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(r.mac) &&
          Number.isInteger(r.rssi) &&
          r.rssi >= -127 &&
          r.rssi <= 20 &&
          Number.isFinite(r.ts);
        if (!ok && bad.length < 3) bad.push(JSON.stringify(r).slice(0, 300));
      }
    }
    assert.deepEqual(bad, [], 'readings outside the contract');
  });

  it('still decodes a good advertisement afterwards', async () => {
    probe.takeSent();
    const v = vector('ibeacon-bluecharm');
    stacks.made[0].bindings.advertise('c3:00:00:00:00:99', advertisingData(v), -55);
    const end = Date.now() + 5000;
    while (probe.sent.length === 0 && Date.now() < end) await settle();
    const [m] = probe.takeSent();
    assert.ok(m, 'a reading for the good advertisement');
    const r = m.payload as RssiReading;
    assert.deepEqual([r.frame, r.mac, r.rssi], ['ibeacon', 'c3:00:00:00:00:99', -55]);
    for (const [key, value] of Object.entries(v.expect)) assert.deepEqual((r as never)[key], value, key);
  });
});

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const command = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      { cmd: 'start' },
      { cmd: 'stop' },
      { cmd: 'rescan' },
      'start',
      ' STOP ',
      '{"cmd":"rescan"}',
      Buffer.from('{"cmd":"stop"}'),
    ),
  },
  { weight: 4, arbitrary: hostileValue.map((cmd) => ({ cmd })) },
  { weight: 2, arbitrary: fc.record({ cmd: fc.constantFrom('start', 'stop'), extra: hostileValue }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { command: 'start' },
      [{ cmd: 'start' }],
      JSON.parse('{"__proto__":{"cmd":"start"}}') as unknown,
    ),
  },
  { weight: 4, arbitrary: garbage },
);

let commandStacks: ReturnType<typeof testStackFactory>;

fuzzNode({
  target: 'beacon-scan commands',
  nodes: [beaconScan],
  flow: onTab([scanNode({ autoStart: false })]),
  id: 'scan1',
  cases: 3_000,
  salt: 22,
  input: inputMsg(
    command,
    fc.constantFrom(undefined, 'dogtracker/v1/cmd/pi-test', 'dogtracker/v1/cmd/other'),
  ),
  setup: () => {
    commandStacks = testStackFactory();
    helper.settings({ beaconScan: { createStack: commandStacks.create } } as never);
  },
  teardown: () => helper.settings({}),
  good: async (probe) => {
    const scan = helper.getNode('scan1');
    await feedGood(probe, { payload: { cmd: 'stop' } });
    await settle();
    const scanning = statusWhere(scan, (s) => /^scanning/.test(s.text ?? ''));
    await feedGood(probe, { payload: { cmd: 'start' } });
    await within(scanning, 5000, 'a scanning status after start');
    probe.takeSent();
    commandStacks.made
      .at(-1)
      ?.bindings.advertise('aa:bb:cc:dd:ee:01', advertisingData(vector('ibeacon-bluecharm')), -50);
    const end = Date.now() + 5000;
    while (probe.sent.length === 0 && Date.now() < end) await settle();
    const [m] = probe.takeSent();
    assert.equal((m?.payload as RssiReading | undefined)?.frame, 'ibeacon', 'a reading once started again');
  },
});

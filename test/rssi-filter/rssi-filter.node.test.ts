// rssi-filter on the real Node-RED runtime: readings and batches in, filtered readings out, metrics,
// bad payloads reported through done(err) while the node keeps working.
import assert from 'node:assert/strict';
import type { Node } from 'node-red';
import rssiFilter = require('../../nodes/rssi-filter/rssi-filter');
import { registry } from '../../nodes/common/metrics';
import type { RssiReading } from '../../nodes/kernel/contract';
import { helper, nextMessage, onTab, type FlowNode } from '../support/flow';

// Node-RED's own Catch node, so errors are checked the way a flow sees them.
// Plain JS without types, so required rather than imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js') as (red: unknown) => void;

const MAC = 'ac:23:3f:a3:80:4b';

/** rssi-filter's output for one reading; the input message's other properties travel along. */
interface ReadingMsg {
  topic: string;
  payload: RssiReading;
  room?: unknown;
}

/** rssi-filter's output for a batch. */
interface BatchMsg {
  topic: string;
  payload: RssiReading[];
}

/** What a Catch node sends on for an error. */
interface Caught {
  error: { message: string };
}

function reading(seq: number, ts: number, rssi: number, scanner = 'pi-flt-a'): Record<string, unknown> {
  return { v: 1, type: 'rssi', scanner, seq, ts, mac: MAC, rssi };
}

function flow(extra: Record<string, unknown> = {}): FlowNode[] {
  return onTab([
    { id: 'f1', type: 'rssi-filter', name: 'smooth', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'c1', type: 'catch', scope: ['f1'], wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ]);
}

async function metricValue(name: string, scanner: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => v.labels.scanner === scanner);
  return Number(value?.value ?? 0);
}

describe('rssi-filter node', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('smooths a reading, keeps the other msg properties and sets the contract topic', async () => {
    await helper.load([rssiFilter, catchNode], flow());
    const f1 = helper.getNode('f1');
    const out = helper.getNode('out');
    const first = nextMessage<ReadingMsg>(out);
    f1.receive({ payload: reading(1, 1000, -70), room: 'kitchen' });
    const a = await first;
    assert.equal(a.room, 'kitchen');
    assert.equal(a.topic, 'dogtracker/v1/rssi/pi-flt-a');
    assert.deepEqual([a.payload.rssi, a.payload.rssiRaw, a.payload.rssiVar], [-70, -70, 9]);
    const second = nextMessage<ReadingMsg>(out);
    f1.receive({ payload: reading(2, 1200, -74) });
    const b = await second;
    assert.equal(b.payload.rssiRaw, -74);
    assert.ok(b.payload.rssi < -70 && b.payload.rssi > -74, `${b.payload.rssi}`);
    assert.ok(b.payload.rssiVar !== undefined && b.payload.rssiVar < 9);
  });

  it('takes a batch, gives a batch without outliers and duplicates, and counts seq gaps and duplicates', async () => {
    await helper.load([rssiFilter, catchNode], flow());
    const f1 = helper.getNode('f1');
    const out = helper.getNode('out');
    const scanner = 'pi-flt-batch';
    const gapsBefore = await metricValue('dogtracker_seq_gaps_total', scanner);
    const batch = [
      reading(1, 1000, -70, scanner),
      reading(2, 1200, -70, scanner),
      reading(2, 1200, -70, scanner), // redelivered
      reading(5, 1800, -71, scanner), // 3 and 4 lost
      reading(6, 2000, -40, scanner), // a reflection
    ];
    const next = nextMessage<BatchMsg>(out);
    f1.receive({ payload: batch });
    const msg = await next;
    assert.ok(Array.isArray(msg.payload));
    assert.deepEqual(
      msg.payload.map((r) => r.seq),
      [1, 2, 5],
    );
    assert.equal((await metricValue('dogtracker_seq_gaps_total', scanner)) - gapsBefore, 2);
    assert.equal(await metricValue('dogtracker_duplicates_total', scanner), 1);
    assert.equal(await metricValue('dogtracker_readings_total', scanner), 5);
    assert.equal(await metricValue('dogtracker_last_reading_timestamp_seconds', scanner), 2);
  });

  it('reports bad payloads through Catch, naming the field, and keeps working', async () => {
    await helper.load([rssiFilter, catchNode], flow());
    const f1 = helper.getNode('f1');
    const out = helper.getNode('out');
    const caught = helper.getNode('caught');
    for (const [payload, expected] of [
      ['garbage', /payload is text but not valid JSON: "garbage"/],
      [[1, 2], /payload\[0\] must be an rssi reading object.*not 1/],
      [{ ...reading(1, 1000, -70), rssi: 'loud' }, /payload\.rssi must be a finite number/],
      [{ ...reading(1, 1000, -70), ts: Number.NaN }, /payload\.ts must be a finite number/],
      [null, /payload must be an rssi reading object.*not null/],
    ] as Array<[unknown, RegExp]>) {
      const error = nextMessage<Caught>(caught);
      f1.receive({ payload });
      assert.match((await error).error.message, expected);
    }
    // A batch with one bad reading: the good ones go on, the bad one is reported.
    const good = nextMessage<BatchMsg>(out);
    const error = nextMessage<Caught>(caught);
    f1.receive({ payload: [reading(1, 1000, -70), { scanner: 'x' }, reading(2, 1200, -71)] });
    assert.equal((await good).payload.length, 2);
    assert.match(
      (await error).error.message,
      /1 of 3 readings refused: payload\[1\]\..*payload\[1\]\.mac is required/,
    );
  });

  it('a bad setting stops it with a clear error, logged and given for each message', async () => {
    await helper.load([rssiFilter, catchNode], flow({ window: 0, mode: 'median' }));
    const f1 = helper.getNode('f1') as Node & { error: { args: unknown[][] } };
    assert.match(String(f1.error.args[0][0]), /invalid settings: window must be at least 1, not 0/);
    // Messages still get an answer: the same problem, through Catch.
    const error = nextMessage<Caught>(helper.getNode('caught'));
    f1.receive({ payload: reading(1, 1000, -70) });
    assert.match((await error).error.message, /rssi-filter not started: invalid settings: window must be/);
  });
});

// The cores behind the batman-health adapter, without Node-RED: the scanner session (ordered samples, one
// timer sample at a time, status choice, mesh warnings said once) and the hub session (liveness, pass-on,
// status text, the silent check on the given clock).
import assert from 'node:assert/strict';
import type { Health } from '../../nodes/kernel/contract';
import type { MeshResult } from '../../nodes/batman-health/batctl-client';
import { checkIntervalMs, HubSession } from '../../nodes/batman-health/hub-session';
import {
  firstSampleDelayMs,
  ScannerSession,
  type NodeStatusChoice,
} from '../../nodes/batman-health/scanner-session';
import type { SystemSample } from '../../nodes/batman-health/system';
import { DEFAULT_THRESHOLDS } from '../../nodes/batman-health/alerts';

/** A promise with its resolve, to hold a sample open. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ScannerSession', () => {
  it('takes samples in order, at the given clock, and says the status of each', async () => {
    let clock = 1_000;
    const held = deferred<SystemSample>();
    const samples = [held.promise, Promise.resolve<SystemSample>({ tempC: 51 })];
    const statuses: NodeStatusChoice[] = [];
    const s = new ScannerSession(
      'pi-1',
      { system: { sample: () => samples.shift()! } },
      DEFAULT_THRESHOLDS,
      () => clock++,
      {
        warn: () => assert.fail('no mesh, no warning'),
        sampled: (st) => statuses.push(st),
      },
    );
    const first = s.sample();
    const second = s.sample();
    held.resolve({ tempC: 50 });
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual([a.health.ts, b.health.ts], [1_000, 1_001]);
    assert.equal(a.health.node, 'pi-1');
    assert.deepEqual(
      statuses.map((x) => [x.fill, x.text]),
      [
        ['green', '50 °C'],
        ['green', '51 °C'],
      ],
    );
  });

  it('skips a timer sample while one runs, and stops after close', async () => {
    const held = deferred<SystemSample>();
    const s = new ScannerSession(
      'pi-1',
      { system: { sample: () => held.promise } },
      DEFAULT_THRESHOLDS,
      () => 5,
      {
        warn: () => undefined,
        sampled: () => undefined,
      },
    );
    const running = s.tick();
    assert.ok(running);
    assert.equal(s.tick(), undefined);
    held.resolve({});
    await running;
    await Promise.resolve(); // the flag is cleared after the sample settles
    assert.ok(s.tick());
    s.close();
    assert.equal(s.tick(), undefined);
    assert.equal(s.isClosed, true);
  });

  it('shows a mesh problem in yellow and warns once per distinct problem', async () => {
    const results: MeshResult[] = [
      { ok: false, problem: { kind: 'not-root', message: 'batctl needs root' } },
      { ok: false, problem: { kind: 'not-root', message: 'batctl needs root' } },
      { ok: true, mesh: { iface: 'bat0', neighbors: [] } },
      { ok: false, problem: { kind: 'not-root', message: 'batctl needs root' } },
    ];
    const warnings: string[] = [];
    const statuses: NodeStatusChoice[] = [];
    const s = new ScannerSession(
      'pi-1',
      { system: { sample: async () => ({}) }, mesh: { sample: async () => results.shift()! } },
      DEFAULT_THRESHOLDS,
      () => 1,
      { warn: (t) => warnings.push(t), sampled: (st) => statuses.push(st) },
    );
    for (let i = 0; i < 4; i++) await s.sample();
    assert.deepEqual(warnings, ['mesh left out: batctl needs root', 'mesh left out: batctl needs root']);
    assert.deepEqual(
      statuses.map((x) => [x.fill, x.shape, x.text]),
      [
        ['yellow', 'ring', 'batctl needs root'],
        ['yellow', 'ring', 'batctl needs root'],
        ['green', 'dot', 'bat0: 0 neighbours'],
        ['yellow', 'ring', 'batctl needs root'],
      ],
    );
  });

  it('samples first within two seconds, or sooner on a shorter interval', () => {
    assert.equal(firstSampleDelayMs(30_000), 2000);
    assert.equal(firstSampleDelayMs(500), 500);
  });
});

describe('HubSession', () => {
  const health = (node: string, ts: number): Health => ({ v: 1, type: 'health', node, ts });

  it('passes one health on under its own topic and a batch under the topic it came with', () => {
    const hub = new HubSession(90_000, DEFAULT_THRESHOLDS, false);
    const one = hub.input('x/y', health('pi-1', 1), false, 10);
    assert.deepEqual(one.passOn, { topic: 'dogtracker/v1/health/pi-1', payload: health('pi-1', 1) });
    assert.deepEqual(one.status, { fill: 'green', shape: 'dot', text: '1 up, 0 down' });
    const batch = hub.input('batch', [health('pi-2', 2), health('pi-3', 3)], false, 20);
    assert.equal(batch.passOn?.topic, 'batch');
    assert.equal((batch.passOn?.payload as Health[]).length, 2);
    assert.equal(batch.status.text, '3 up, 0 down');
  });

  it('takes an offline status: no pass-on, an alert, the node counted down', () => {
    const hub = new HubSession(90_000, DEFAULT_THRESHOLDS, false);
    hub.input('any', health('pi-1', 1), false, 10);
    const out = hub.input('dogtracker/v1/status/pi-1', 'offline', false, 20);
    assert.equal(out.passOn, undefined);
    assert.deepEqual(
      out.alerts.map((a) => a.event),
      ['node-offline'],
    );
    assert.deepEqual(out.status, { fill: 'yellow', shape: 'dot', text: '0 up, 1 down' });
  });

  it('finds the silent scanners on the given clock, and reports nothing when nothing changed', () => {
    const hub = new HubSession(1_000, DEFAULT_THRESHOLDS, false);
    hub.input('any', health('pi-1', 1), false, 0);
    assert.equal(hub.check(1_000), undefined);
    const out = hub.check(1_001);
    assert.deepEqual(
      out?.alerts.map((a) => a.event),
      ['node-silent'],
    );
    assert.equal(out?.status.text, '0 up, 1 down');
    assert.equal(hub.check(5_000), undefined);
  });

  it('throws on a bad message, naming it', () => {
    const hub = new HubSession(1_000, DEFAULT_THRESHOLDS, false);
    assert.throws(() => hub.input('any', [], false, 0), /empty batch/);
  });

  it('checks a quarter of the silence, within 50 ms and 10 s', () => {
    assert.equal(checkIntervalMs(90_000), 10_000);
    assert.equal(checkIntervalMs(1_000), 250);
    assert.equal(checkIntervalMs(100), 50);
  });
});

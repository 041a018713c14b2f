// Liveness on the hub: offline (last will), silent (no health for a while, hub clock), back.
import assert from 'node:assert/strict';
import type { Health } from '../../nodes/kernel/contract';
import { LivenessMonitor } from '../../nodes/batman-health/liveness';
import { readHubInput } from '../../nodes/batman-health/messages';

const h = (node: string, ts: number): Health => ({ v: 1, type: 'health', node, ts });
const events = (alerts: Array<{ event: string }>): string[] => alerts.map((a) => a.event);

describe('LivenessMonitor', () => {
  it('reports silence after the quiet time on the hub clock, once, and back on the next health', () => {
    const m = new LivenessMonitor(90_000);
    assert.deepEqual(m.health(h('pi-1', 1_000), 10_000), []);
    assert.deepEqual(m.check(100_000), []); // 90 s exactly: not yet
    const silent = m.check(100_001);
    assert.deepEqual(silent, [
      {
        v: 1,
        type: 'alert',
        event: 'node-silent',
        node: 'pi-1',
        severity: 'critical',
        ts: 100_001,
        lastHealthTs: 1_000,
      },
    ]);
    assert.deepEqual(m.check(200_000), []);
    const back = m.health(h('pi-1', 200_000), 205_000);
    assert.deepEqual(
      back.map((a) => [a.event, a.since, a.was]),
      [['node-back', 100_001, 'silent']],
    );
    assert.equal(m.get('pi-1')?.state, 'up');
  });

  it('reports the last will once, even after silence, and online brings the node back', () => {
    const m = new LivenessMonitor(60_000);
    m.health(h('pi-1', 1), 0);
    assert.deepEqual(events(m.status('pi-1', 'offline', 5_000)), ['node-offline']);
    assert.deepEqual(events(m.status('pi-1', 'offline', 6_000)), []);
    assert.deepEqual(events(m.status('pi-1', 'online', 7_000)), ['node-back']);
    assert.deepEqual(events(m.check(80_000)), ['node-silent']);
    assert.deepEqual(events(m.status('pi-1', 'offline', 81_000)), []);
    assert.equal(m.get('pi-1')?.state, 'offline');
  });

  it('reports a retained offline of a node never seen, and is not fooled by a retained old health', () => {
    const m = new LivenessMonitor(60_000);
    assert.deepEqual(events(m.status('pi-2', 'offline', 0)), ['node-offline']);
    assert.deepEqual(m.health(h('pi-2', 500), 10, true), []);
    assert.equal(m.get('pi-2')?.state, 'offline');
    assert.equal(m.get('pi-2')?.lastHealthTs, 500);
    assert.deepEqual(events(m.health(h('pi-2', 900), 20)), ['node-back']);
  });

  it('ignores a health older than one already seen (duplicates, reordering)', () => {
    const m = new LivenessMonitor(60_000);
    m.health(h('pi-1', 2_000), 0);
    m.status('pi-1', 'offline', 1);
    assert.deepEqual(m.health(h('pi-1', 1_000), 2), []);
    assert.equal(m.get('pi-1')?.state, 'offline');
  });

  it('keeps nodes apart', () => {
    const m = new LivenessMonitor(1_000);
    m.health(h('a', 1), 0);
    m.health(h('b', 1), 900);
    assert.deepEqual(
      m.check(1_500).map((x) => x.node),
      ['a'],
    );
  });
});

describe('readHubInput', () => {
  it('reads status from the topic and payload (string or Buffer)', () => {
    assert.deepEqual(readHubInput('dogtracker/v1/status/pi-1', 'offline'), {
      kind: 'status',
      node: 'pi-1',
      status: 'offline',
    });
    assert.deepEqual(readHubInput('dogtracker/v1/status/pi-1', Buffer.from('online')), {
      kind: 'status',
      node: 'pi-1',
      status: 'online',
    });
    assert.throws(
      () => readHubInput('dogtracker/v1/status/pi-1', 'maybe'),
      /status of "pi-1" must be "online" or "offline", not "maybe"/,
    );
  });

  it('reads a health object, its JSON text, or a batch', () => {
    const one = h('pi-1', 5);
    assert.deepEqual(readHubInput('dogtracker/v1/health/pi-1', one), { kind: 'health', health: [one] });
    assert.deepEqual(readHubInput('x', JSON.stringify(one)), { kind: 'health', health: [one] });
    assert.equal((readHubInput('x', [one, h('pi-2', 6)]) as { health: Health[] }).health.length, 2);
  });

  it('names what is wrong with a bad payload', () => {
    assert.throws(() => readHubInput('x', '{oops'), /payload is text but not valid JSON/);
    assert.throws(() => readHubInput('x', 42), /payload must be a health object/);
    assert.throws(() => readHubInput('x', { type: 'rssi' }), /payload.type must be "health"/);
    assert.throws(() => readHubInput('x', { type: 'health', node: 'a' }), /payload\.ts is required/);
    assert.throws(
      () => readHubInput('x', { ...h('a', 1), cpu: 'high' }),
      /payload\.cpu must be a finite number/,
    );
    assert.throws(
      () => readHubInput('x', [h('a', 1), { ...h('b', 1), mesh: { neighbors: [{}] } }]),
      /payload\[1\].mesh.neighbors\[0\].mac/,
    );
    assert.throws(() => readHubInput('x', []), /empty batch/);
  });
});

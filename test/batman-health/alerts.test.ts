// Hardware and mesh alerts: once per change of state, with hysteresis, per node.
import assert from 'node:assert/strict';
import type { Health, MeshNeighbor } from '../../nodes/kernel/contract';
import { HealthAlerter } from '../../nodes/batman-health/alerts';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';

function health(ts: number, extra: Partial<Health> = {}): Health {
  return { v: 1, type: 'health', node: 'pi-1', ts, ...extra };
}
function mesh(neighbors: MeshNeighbor[], gateway?: string): Health['mesh'] {
  return {
    iface: 'bat0',
    algo: 'BATMAN_IV',
    originators: neighbors.length,
    neighbors,
    ...(gateway ? { gateway } : {}),
  };
}
const events = (alerts: Array<{ event: string }>): string[] => alerts.map((a) => a.event);

describe('HealthAlerter', () => {
  it('raises temperature high once, and clears it only 5 °C below the limit', () => {
    const al = new HealthAlerter({ tqMin: 100, throughputMinKbps: 1000, tempHighC: 70 });
    const temps = [60, 71, 72, 69, 66, 71, 64.9, 71];
    const out = temps.map((t, i) => events(al.update(health(i * 1000, { tempC: t }))));
    assert.deepEqual(out, [[], ['temp-high'], [], [], [], [], ['temp-ok'], ['temp-high']]);
  });

  it('carries the node, the sample ts, the value and, on recovery, since', () => {
    const al = new HealthAlerter({ tqMin: 100, throughputMinKbps: 1000, tempHighC: 70 });
    const [high] = al.update(health(5000, { tempC: 80 }));
    assert.deepEqual(high, {
      v: 1,
      type: 'alert',
      event: 'temp-high',
      node: 'pi-1',
      severity: 'warning',
      ts: 5000,
      value: 80,
      threshold: 70,
    });
    const [ok] = al.update(health(9000, { tempC: 50 }));
    assert.equal(ok.since, 5000);
    assert.equal(ok.ts, 9000);
  });

  it('raises under-voltage from bit 0 only (the since-boot bit alone is not now)', () => {
    const al = new HealthAlerter();
    const bits = [0, 0x50000, 0x50005, 0x50005, 0x50000, 0x50001];
    assert.deepEqual(
      bits.map((b, i) => events(al.update(health(i, { throttled: b })))),
      [[], [], ['undervoltage'], [], ['undervoltage-ok'], ['undervoltage']],
    );
  });

  it('reports a neighbour lost and back, but not the first neighbours nor a newcomer', () => {
    const al = new HealthAlerter();
    assert.deepEqual(events(al.update(health(1, { mesh: mesh([{ mac: A, tq: 200 }]) }))), []);
    assert.deepEqual(
      events(
        al.update(
          health(2, {
            mesh: mesh([
              { mac: A, tq: 200 },
              { mac: B, tq: 200 },
            ]),
          }),
        ),
      ),
      [],
    );
    const lost = al.update(health(3, { mesh: mesh([{ mac: B, tq: 200 }]) }));
    assert.deepEqual(
      lost.map((a) => [a.event, a.neighbor]),
      [['neighbor-lost', A]],
    );
    assert.deepEqual(events(al.update(health(4, { mesh: mesh([{ mac: B, tq: 200 }]) }))), []);
    const back = al.update(
      health(5, {
        mesh: mesh([
          { mac: A, tq: 200 },
          { mac: B, tq: 200 },
        ]),
      }),
    );
    assert.deepEqual(
      back.map((a) => [a.event, a.neighbor, a.since]),
      [['neighbor-back', A, 3]],
    );
  });

  it('does not call neighbours lost when a sample has no mesh part (batctl failed that time)', () => {
    const al = new HealthAlerter();
    al.update(health(1, { mesh: mesh([{ mac: A, tq: 200 }], B) }));
    assert.deepEqual(events(al.update(health(2))), []);
    assert.deepEqual(events(al.update(health(3, { mesh: mesh([{ mac: A, tq: 200 }], B) }))), []);
  });

  it('raises a poor BATMAN_IV link below the TQ threshold, clears it 10 above', () => {
    const al = new HealthAlerter({ tqMin: 100, throughputMinKbps: 1000, tempHighC: 75 });
    const tqs = [200, 99, 80, 105, 109, 110, 95];
    const out = tqs.map((tq, i) => al.update(health(i, { mesh: mesh([{ mac: A, tq }]) })));
    assert.deepEqual(out.map(events), [[], ['link-poor'], [], [], [], ['link-ok'], ['link-poor']]);
    assert.equal(out[1][0].metric, 'tq');
    assert.equal(out[1][0].value, 99);
  });

  it('raises a poor BATMAN_V link by throughput, clearing 20 % above the threshold', () => {
    const al = new HealthAlerter({ tqMin: 100, throughputMinKbps: 1000, tempHighC: 75 });
    const kbps = [5000, 900, 1100, 1200];
    const out = kbps.map((t, i) => al.update(health(i, { mesh: mesh([{ mac: A, throughputKbps: t }]) })));
    assert.deepEqual(out.map(events), [[], ['link-poor'], [], ['link-ok']]);
    assert.equal(out[1][0].metric, 'throughputKbps');
  });

  it('raises gateway lost once and back when one is selected again', () => {
    const al = new HealthAlerter();
    const gw = [undefined, A, undefined, undefined, B, B];
    assert.deepEqual(
      gw.map((g, i) => events(al.update(health(i, { mesh: mesh([{ mac: A, tq: 200 }], g) })))),
      [[], [], ['gateway-lost'], [], ['gateway-back'], []],
    );
  });

  it('keeps each node apart', () => {
    const al = new HealthAlerter();
    al.update(health(1, { tempC: 90 }));
    assert.deepEqual(events(al.update({ ...health(2, { tempC: 90 }), node: 'pi-2' })), ['temp-high']);
    assert.deepEqual(events(al.update(health(3, { tempC: 90 }))), []);
  });
});

// The fuzz harness's own check of "held the event loop": it must still catch a slow handler, and must not
// blame a handler for a full garbage collection of the whole process that happened while it ran.
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import * as v8 from 'node:v8';
import { Breaches, gcReported, startClock } from './harness';

/** The slow handler under test: `ms` of this thread's CPU (not wall time, which other jobs share). */
function busy(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  while (true) {
    for (let i = 0; i < 10_000; i++) x += Math.sqrt(i);
    const d = process.cpuUsage(start);
    if ((d.user + d.system) / 1000 >= ms) break;
  }
  assert.ok(Number.isFinite(x));
}

describe('fuzz harness: the event-loop check', () => {
  it('reports work that held the loop past the limit', () => {
    const slow = new Breaches();
    const elapsed = startClock();
    busy(30);
    const timing = elapsed();
    assert.ok(timing.ms >= 25, `measured ${timing.ms} ms`);
    slow.addSlow(1, 'case', timing, 20, (ms) => `took ${ms.toFixed(1)} ms`);
    assert.throws(() => slow.assertNone('busy'), /busy: 1 breach\(es\).*took/s);
  });

  it('does not count a full garbage collection that ran inside the window', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // A heap worth collecting, so the full collection takes measurable time.
    const made = (): number =>
      Array.from({ length: 300 }, () => Array.from({ length: 5000 }, Math.random)).length;
    assert.equal(made(), 300);
    const elapsed = startClock();
    gc();
    const timing = elapsed();
    const limit = Math.max(0.5, timing.ms / 2);
    const judged = new Breaches();
    judged.addSlow(1, 'case', timing, limit, (ms) => `took ${ms.toFixed(1)} ms`);
    await gcReported();
    judged.assertNone('gc only'); // the window held nothing but the collection
  });
});

// The fuzz harness's own check of "held the event loop": it must still catch a slow handler, and must not
// blame a handler for a full garbage collection of the whole process that happened while it ran.
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import * as v8 from 'node:v8';
import { Breaches, gcReported, startClock } from './harness';

/**
 * The slow handler under test: pure work on the main thread until the harness's own clock says `ms` (the
 * process's CPU time alone may include V8's helper threads, so it is not what to burn against).
 */
function busy(ms: number): void {
  const elapsed = startClock();
  let x = 0;
  while (elapsed().ms < ms) for (let i = 0; i < 10_000; i++) x += Math.sqrt(i);
  assert.ok(Number.isFinite(x));
}

describe('fuzz harness: the event-loop check', () => {
  it('reports work that held the loop past the limit', () => {
    const slow = new Breaches();
    const elapsed = startClock();
    busy(40);
    const timing = elapsed();
    assert.ok(timing.ms >= 40, `measured ${timing.ms} ms`);
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

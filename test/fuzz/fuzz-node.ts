// One fuzz run of one node on the real runtime, with one `it` per property so failures are itemised.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { helper, type FlowNode } from '../support/flow';
import {
  BLOCK_LIMIT_MS,
  catchingUncaught,
  countCases,
  ERROR_TEXT_LIMIT,
  gcReported,
  Probe,
  runs,
  SEED,
} from './harness';
import { fcOptions } from './generators';

export interface NodeFuzzSpec {
  /** Name in the case table and the describe title. */
  target: string;
  /** Node modules to load (the node under test and its config nodes). */
  nodes: unknown[];
  flow: FlowNode[];
  /** Id of the node under test. */
  id: string;
  /** Cases at FUZZ_RUNS=1. */
  cases: number;
  /** Offset of this target's seed from SEED, so targets do not share a stream. */
  salt: number;
  input: fc.Arbitrary<Record<string, unknown>>;
  /** Runs after load, before the fuzz (e.g. waits for a status). */
  ready?: (probe: Probe) => Promise<void>;
  /** Feeds known good input after the hostile cases and asserts the right answer. */
  good: (probe: Probe) => Promise<void>;
  setup?: () => void;
  teardown?: () => void;
}

export function fuzzNode(spec: NodeFuzzSpec): void {
  describe(`fuzz: ${spec.target}`, function () {
    this.timeout(120_000);
    let probe: Probe;

    before(async () => {
      spec.setup?.();
      await helper.startServer();
      await helper.load(spec.nodes as never, spec.flow);
      probe = new Probe(helper.getNode(spec.id));
      await spec.ready?.(probe);
      await catchingUncaught(probe.uncaught, probe, async () => {
        fc.assert(
          fc.property(spec.input, (msg) => {
            probe.feed(msg);
          }),
          fcOptions(SEED + spec.salt, runs(spec.cases)),
        );
        await probe.settle();
      });
      countCases(spec.target, probe.cases);
    });

    after(async () => {
      await helper.unload();
      await helper.stopServer();
      spec.teardown?.();
    });

    it('never throws out of a handler, and nothing is left uncaught', () => {
      probe.thrown.assertNone(`${spec.target}: throws`);
      probe.uncaught.assertNone(`${spec.target}: uncaught`);
    });

    it('ends every message exactly once (done or done(err))', () => {
      probe.doneCount.assertNone(`${spec.target}: done count`);
    });

    it('emits no non-finite number', () => {
      probe.nonFinite.assertNone(`${spec.target}: non-finite output`);
    });

    it(`holds the event loop under ${BLOCK_LIMIT_MS} ms per message`, async () => {
      await gcReported();
      probe.blocking.assertNone(`${spec.target}: blocking (max ${probe.maxMs.toFixed(1)} ms)`);
    });

    it(`keeps each error text under ${ERROR_TEXT_LIMIT} characters`, () => {
      probe.longErrors.assertNone(`${spec.target}: long error texts`);
    });

    it('still gives the right answer on good input afterwards', async () => {
      await catchingUncaught(probe.uncaught, probe, () => spec.good(probe));
      probe.uncaught.assertNone(`${spec.target}: uncaught during the good input`);
    });
  });
}

/** Feeds one good message and returns what the node sent for it; it must end without an error. */
export async function feedGood(
  probe: Probe,
  msg: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  probe.takeSent();
  const { dones, errors } = await probe.feedAndWait(msg);
  assert.equal(dones, 1, 'done once for the good input');
  assert.deepEqual(errors, [], 'no error for the good input');
  return probe.takeSent();
}

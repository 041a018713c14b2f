// The fuzz suite's bookkeeping: the seed and scale every file shares, a probe that watches one node under
// test on the real runtime (done per message, throws, what it sends, how long each handler holds the
// event loop), a short printer for counterexamples, and the case count per target, printed at the end.
import assert from 'node:assert/strict';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import type { Node } from 'node-red';
import { nonFinitePath } from '../../nodes/kernel/checks';

/** FUZZ_SEED picks the stream; the same seed gives the same cases. */
export const SEED = Number.parseInt(process.env.FUZZ_SEED ?? '', 10) || 20261201;

/** FUZZ_RUNS scales every target's case count (1 = the default, >= 100 000 cases in all; 0.1 for a quick look). */
export const SCALE = ((): number => {
  const value = Number(process.env.FUZZ_RUNS ?? '1');
  return Number.isFinite(value) && value > 0 ? value : 1;
})();

/** A target's number of cases, scaled; at least 1. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * SCALE));
}

/** FUZZ_VERBOSE=1 shows counterexamples in full (up to 4000 characters) instead of 300. */
const VERBOSE = process.env.FUZZ_VERBOSE === '1';

/** FUZZ_TRACE=N prints case N of each probed node as it is fed (to find the case that broke a node's state). */
const TRACE = Number(process.env.FUZZ_TRACE ?? '0');

/** How long a piece of synchronous work held the event loop, and when (performance.now() milliseconds). */
export interface Timing {
  ms: number;
  start: number;
  end: number;
}

/**
 * Starts a stopwatch for synchronous work. The time is the smaller of this process's CPU time and the wall
 * clock: the wall clock also counts time the OS gave to other jobs on a shared machine, the process's CPU
 * time also counts V8's helper threads (parallel marking, compilation); the main thread's own time is below
 * both. FUZZ_CLOCK=wall uses the wall clock alone.
 */
export function startClock(): () => Timing {
  const start = performance.now();
  const c = process.cpuUsage();
  return () => {
    const end = performance.now();
    const wall = end - start;
    if (process.env.FUZZ_CLOCK === 'wall') return { ms: wall, start, end };
    const d = process.cpuUsage(c);
    return { ms: Math.min(wall, (d.user + d.system) / 1000), start, end };
  };
}

/**
 * Full garbage collections seen while the fuzz suite runs. One stops the event loop for tens of
 * milliseconds in a process that holds every test of the suite, whichever handler happens to run then: that
 * pause belongs to the heap's size, not to the handler's work, so a slow case is judged without it. Minor
 * collections (scavenges) stay counted: a handler that allocates much pays for them.
 */
const gcPauses: { start: number; end: number }[] = [];
const FULL_GC = constants.NODE_PERFORMANCE_GC_MAJOR | constants.NODE_PERFORMANCE_GC_INCREMENTAL;
const gcObserver = new PerformanceObserver((list) => keepPauses(list.getEntries()));
gcObserver.observe({ entryTypes: ['gc'] });

function keepPauses(entries: readonly PerformanceEntry[]): void {
  for (const e of entries) {
    const kind = ((e as PerformanceEntry & { detail?: { kind?: number } | null }).detail ?? {}).kind ?? 0;
    if ((kind & FULL_GC) === 0) continue;
    gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
    if (gcPauses.length > 10_000) gcPauses.splice(0, 5_000); // bounded; only recent slow cases are judged
  }
}

/**
 * Resolves once the collections that happened so far have been reported: Node delivers a GC entry two
 * event-loop turns after the collection. Await it before judging slow cases.
 */
export async function gcReported(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

/** Milliseconds of full garbage collection inside [start, end]. */
function gcWithin(t: Timing): number {
  keepPauses(gcObserver.takeRecords()); // entries not yet delivered to the callback
  let ms = 0;
  for (const p of gcPauses) ms += Math.max(0, Math.min(p.end, t.end) - Math.max(p.start, t.start));
  return ms;
}

/** The longest a handler may hold the event loop. */
export const BLOCK_LIMIT_MS = 50;
/** The longest error text a node may give for one message. */
export const ERROR_TEXT_LIMIT = 1000;

const counts = new Map<string, number>();

export function countCases(target: string, n: number): void {
  counts.set(target, (counts.get(target) ?? 0) + n);
}

// A root hook (this module is loaded by every fuzz file): the case count per target once all have run.
after(function () {
  if (counts.size === 0) return;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const width = Math.max(...[...counts.keys()].map((k) => k.length));
  const lines = [...counts].map(([k, n]) => `    ${k.padEnd(width)}  ${String(n).padStart(7)}`);
  console.log(
    `\n  fuzz cases (seed ${SEED}, FUZZ_RUNS=${SCALE}):\n${lines.join('\n')}\n    ${'total'.padEnd(width)}  ${String(total).padStart(7)}`,
  );
});

/** A compact, bounded rendering of a hostile value: NaN, -0, long strings and big arrays shown as such. */
export function show(value: unknown, budget = 300): string {
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): string => {
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (typeof v === 'string')
      return v.length > 40 ? `${JSON.stringify(v.slice(0, 20))}…(${v.length} chars)` : JSON.stringify(v);
    if (typeof v === 'bigint') return `${v}n`;
    if (v === undefined || v === null || typeof v === 'boolean') return String(v);
    if (typeof v !== 'object') return typeof v;
    if (seen.has(v)) return '<cycle>';
    if (depth > 5) return Array.isArray(v) ? '[…]' : '{…}';
    seen.add(v);
    try {
      return inner(v, depth);
    } finally {
      seen.delete(v); // only ancestors are cycles; a value shared by siblings is shown each time
    }
  };
  const inner = (v: object, depth: number): string => {
    if (v instanceof Uint8Array)
      return `<${v.length} bytes ${Buffer.from(v.subarray(0, 24)).toString('hex')}${v.length > 24 ? '…' : ''}>`;
    if (Array.isArray(v)) {
      const items = v.slice(0, 6).map((x) => walk(x, depth + 1));
      return `[${items.join(',')}${v.length > 6 ? `,…(${v.length} items)` : ''}]`;
    }
    const keys = Object.keys(v).filter((k) => k !== '_msgid');
    const items = keys
      .slice(0, 14)
      .map((k) => `${JSON.stringify(k)}:${walk((v as Record<string, unknown>)[k], depth + 1)}`);
    return `{${items.join(',')}${keys.length > 14 ? `,…(${keys.length} keys)` : ''}}`;
  };
  const text = walk(value, 0);
  return text.length > budget ? `${text.slice(0, budget)}…` : text;
}

/** One observed breach of a property: the case that showed it and what was wrong. */
export interface Breach {
  run: number;
  input: string;
  detail: string;
}

/** Breaches kept per property: the first few, and the smallest inputs (the closest to a minimal case). */
export class Breaches {
  readonly all: Breach[] = [];
  count = 0;

  add(run: number, input: unknown, detail: string): void {
    this.count++;
    if (this.all.length < 200)
      this.all.push({
        run,
        input: typeof input === 'string' ? input : show(input, VERBOSE ? 4000 : 300),
        detail,
      });
  }

  private readonly slow: {
    run: number;
    input: unknown;
    timing: Timing;
    limit: number;
    say: (ms: number) => string;
  }[] = [];

  /**
   * A case that took `limit` ms or more: kept as a suspect, judged by `assertNone` (after `gcReported()`)
   * without the full garbage collections of that time.
   */
  addSlow(run: number, input: unknown, timing: Timing, limit: number, say: (ms: number) => string): void {
    if (timing.ms < limit) return;
    if (this.slow.length < 1000) this.slow.push({ run, input, timing, limit, say });
    else this.add(run, input, say(timing.ms)); // a flood of slow cases is a breach whatever the collector did
  }

  /** Fails with the count, the seed and the smallest counterexamples. */
  assertNone(what: string): void {
    for (const s of this.slow.splice(0)) {
      const gc = gcWithin(s.timing);
      const net = s.timing.ms - gc;
      if (net >= s.limit)
        this.add(
          s.run,
          s.input,
          `${s.say(net)}${gc > 0 ? ` (+ ${gc.toFixed(1)} ms of full GC, not counted)` : ''}`,
        );
    }
    if (this.count === 0) return;
    const smallest = [...this.all].sort((a, b) => a.input.length - b.input.length).slice(0, 3);
    const lines = smallest.map(
      (b) => `  case #${b.run}: ${b.input}\n    -> ${b.detail.slice(0, VERBOSE ? 2000 : 300)}`,
    );
    assert.fail(
      `${what}: ${this.count} breach(es) (FUZZ_SEED=${SEED} FUZZ_RUNS=${SCALE}); smallest:\n${lines.join('\n')}`,
    );
  }
}

/**
 * The cases of a pure, synchronous target, each counted and timed: what throws is a breach of `thrown`, a
 * case that holds the event loop BLOCK_LIMIT_MS or more a suspect of `blocking`; the slowest time is kept
 * for the report.
 */
export class TimedCases {
  readonly thrown = new Breaches();
  readonly blocking = new Breaches();
  count = 0;
  maxMs = 0;

  /** Runs one case: what `work` returns, or undefined when it threw. */
  run<T>(input: unknown, work: () => T): T | undefined {
    this.count++;
    const elapsed = startClock();
    let result: T | undefined;
    try {
      result = work();
    } catch (err) {
      this.thrown.add(this.count, input, `threw: ${String(err).slice(0, 200)}`);
    }
    const timing = elapsed();
    this.maxMs = Math.max(this.maxMs, timing.ms);
    this.blocking.addSlow(this.count, input, timing, BLOCK_LIMIT_MS, (ms) => `took ${ms.toFixed(1)} ms`);
    return result;
  }

  /** Fails if a case held the loop too long, once the garbage collections of the run are reported. */
  async assertFast(what: string): Promise<void> {
    await gcReported();
    this.blocking.assertNone(`${what}: slow (max ${this.maxMs.toFixed(1)} ms)`);
  }
}

/** Messages our instrumented node sends: the `send` argument of a handler, or `node.send` from a timer. */
type Sent = unknown;

interface InputRecord {
  run: number;
  msg: Record<string, unknown>;
  dones: number;
  errors: string[];
}

interface Instrumented {
  _complete(msg: unknown, err?: unknown): void;
  error(err: unknown, msg?: unknown): void;
  send(msg: unknown): void;
  receive(msg: unknown): void;
}

/** Every message object in what a node sends ([msg], [[msg, msg], null], msg). */
function messagesIn(sent: Sent, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(sent)) for (const item of sent) messagesIn(item, out);
  else if (sent && typeof sent === 'object') out.push(sent as Record<string, unknown>);
  return out;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : String(err);
}

/**
 * Watches one node of a loaded flow. Its `_complete` (what `done` calls), `error` and `send` are replaced
 * on the instance: done and done(err) are counted per input message, sends are walked for non-finite
 * numbers and kept for the good-input check, and nothing is routed on (the helper's spies would slow
 * 100 000 cases about tenfold). A handler that throws reaches `node.error(err, msg)` through Node-RED's
 * own try/catch: that is recorded as a throw.
 */
export class Probe {
  readonly thrown = new Breaches();
  readonly doneCount = new Breaches();
  readonly nonFinite = new Breaches();
  readonly blocking = new Breaches();
  readonly longErrors = new Breaches();
  readonly uncaught = new Breaches();
  /** Everything sent since the last `takeSent()`. */
  sent: Record<string, unknown>[] = [];
  cases = 0;
  maxMs = 0;
  private readonly records = new Map<unknown, InputRecord>();
  private run = 0;
  private current: unknown;

  constructor(readonly node: Node) {
    const n = node as unknown as Instrumented;
    n._complete = (msg: unknown, err?: unknown): void => {
      const rec = this.records.get(msg);
      if (!rec) return; // a message not fed by the probe (none in these flows)
      rec.dones++;
      if (err !== undefined && err !== null) {
        const text = errorText(err);
        rec.errors.push(text);
        if (text.length >= ERROR_TEXT_LIMIT)
          this.longErrors.add(rec.run, rec.msg, `done(err) of ${text.length} chars: ${text.slice(0, 120)}…`);
      }
    };
    n.error = (err: unknown, msg?: unknown): void => {
      const text = errorText(err);
      const rec = msg === undefined ? undefined : this.records.get(msg);
      if (rec)
        this.thrown.add(
          rec.run,
          rec.msg,
          `node.error(${JSON.stringify(text.slice(0, 200))}) for the message: a throw out of the handler, or an error not given to done`,
        );
      if (text.length >= ERROR_TEXT_LIMIT)
        this.longErrors.add(
          rec?.run ?? this.run,
          rec?.msg ?? this.current,
          `node.error of ${text.length} chars: ${text.slice(0, 120)}…`,
        );
    };
    n.send = (sent: unknown): void => {
      for (const m of messagesIn(sent)) this.emitted(m, 'sent payload');
    };
  }

  /** Checks one thing a node emits (a sent message, or a map update) for non-finite numbers, and keeps it. */
  emitted(m: Record<string, unknown>, what: string, payload: unknown = m.payload): void {
    const where = nonFinitePath(payload);
    if (where)
      this.nonFinite.add(this.run, this.current, `${what}.${where} = ${show(pathValue(payload, where))}`);
    this.sent.push(m);
    if (this.sent.length > 5000) this.sent.splice(0, this.sent.length - 1000); // bounded, only the recent matter
  }

  /** Feeds one message to the node, timing its synchronous handling. */
  feed(msg: Record<string, unknown>, input: unknown = msg): void {
    this.run++;
    this.cases++;
    this.current = input;
    if (TRACE === this.run) console.log(`  case #${this.run} of ${this.node.type}: ${show(input, 4000)}`);
    this.records.set(msg, { run: this.run, msg: input as Record<string, unknown>, dones: 0, errors: [] });
    this.measure(
      input,
      () => (this.node as unknown as Instrumented).receive(msg),
      'receive threw',
      'handler held',
    );
  }

  /** Times a piece of work that is not a message (an advertisement, a timer), as `feed` does. */
  timed(input: unknown, work: () => void): void {
    this.run++;
    this.cases++;
    this.current = input;
    this.measure(input, work, 'threw', 'held');
  }

  /** Runs the work of the current case: a throw is a breach, the time it held the event loop a suspect. */
  private measure(input: unknown, work: () => void, threw: string, held: string): void {
    const elapsed = startClock();
    try {
      work();
    } catch (err) {
      this.thrown.add(this.run, input, `${threw}: ${errorText(err).slice(0, 200)}`);
    }
    const timing = elapsed();
    if (timing.ms > this.maxMs) this.maxMs = timing.ms;
    this.blocking.addSlow(
      this.run,
      input,
      timing,
      BLOCK_LIMIT_MS,
      (ms) => `${held} the event loop ${ms.toFixed(1)} ms`,
    );
  }

  /** Waits (with a deadline) until every fed message is done, then checks each was done exactly once. */
  async settle(deadlineMs = 5000): Promise<void> {
    const end = Date.now() + deadlineMs;
    const pending = (): number => [...this.records.values()].filter((r) => r.dones === 0).length;
    while (pending() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    // A second done would come from the same turn or a timer soon after: give it a few turns.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    for (const rec of this.records.values())
      if (rec.dones !== 1)
        this.doneCount.add(
          rec.run,
          rec.msg,
          `done called ${rec.dones} times${rec.errors.length ? ` (errors: ${rec.errors.map((e) => e.slice(0, 80)).join(' | ')})` : ''}`,
        );
    this.records.clear();
  }

  /** What was sent since the last call. */
  takeSent(): Record<string, unknown>[] {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }

  /** The errors given to done for one message fed now; the message's dones are checked by `settle`. */
  async feedAndWait(msg: Record<string, unknown>): Promise<{ dones: number; errors: string[] }> {
    this.feed(msg);
    const rec = this.records.get(msg);
    assert.ok(rec);
    const end = Date.now() + 5000;
    while (rec.dones === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
    return { dones: rec.dones, errors: rec.errors };
  }
}

function pathValue(value: unknown, path: string): unknown {
  if (path === '(value)') return value;
  let v: unknown = value;
  for (const part of path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/**
 * Runs `body` with the process's uncaught-exception and unhandled-rejection handlers replaced by ones that
 * record into `breaches` (mocha's would end the hook at the first), restoring them after.
 */
export async function catchingUncaught(
  breaches: Breaches,
  probe: { cases: number },
  body: () => Promise<void>,
): Promise<void> {
  type Listener = (err: unknown) => void;
  // One event at a time: process.on's overloads take a literal event name, not a union of two.
  const savedErrors = process.listeners('uncaughtException') as Listener[];
  const savedRejections = process.listeners('unhandledRejection') as Listener[];
  const record = (err: unknown): void =>
    breaches.add(probe.cases, '(after case)', `uncaught: ${errorText(err).slice(0, 200)}`);
  process.removeAllListeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  try {
    await body();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.removeAllListeners('uncaughtException');
    process.removeAllListeners('unhandledRejection');
    for (const l of savedErrors) process.on('uncaughtException', l);
    for (const l of savedRejections) process.on('unhandledRejection', l);
  }
}

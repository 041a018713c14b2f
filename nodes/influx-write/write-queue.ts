// The writer behind influx-write: batches points by size and time, sends one batch at a time in
// order, retries with exponential backoff while the server is unavailable, and keeps what it cannot
// write yet in a bounded queue on disk (segment-files.ts) that survives a restart.
//
// A batch lives in memory while the server keeps up. When a write fails, every batch waiting (and
// every new one, until the queue has drained) goes to disk, so an outage costs memory for one batch
// only and a restart loses nothing; they are replayed oldest first when the server is back.
// Writing a batch twice (a retry after a time-out the server had in fact completed) is harmless:
// InfluxDB keeps one point per series and timestamp.
//
// Timers here are wall-clock timers for I/O (batch age, backoff, close budget); point timestamps
// come from the messages.
import type { InfluxSink, WriteOutcome } from '../tracker-influx/sink';
import { errorMessage } from '../kernel/checks';
import { listSegments, readSegment, removeSegment, shortenSegment, writeSegment } from './segment-files';

export interface WriteQueueOptions {
  sink: InfluxSink;
  /** Folder of the disk queue (one per influx-write node). */
  dir: string;
  /** Points per write request. */
  batchSize: number;
  /** A batch that is not full is sent after this long. */
  flushIntervalMs: number;
  /** Bound of the queue (memory and disk); beyond it the oldest points are dropped. */
  maxQueuedPoints: number;
  /** First retry delay; it doubles per failure up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Batches waiting in memory beyond this many points go to disk (a slow server). Default 4 batches. */
  memoryLimitPoints?: number;
  onEvent?: (event: QueueEvent) => void;
}

export type QueueEvent =
  | { type: 'restored'; points: number }
  | { type: 'written'; points: number }
  /** The server dropped points for their data (field type conflict, unparsable line). */
  | { type: 'rejected'; points: number; reason: string; status: number }
  /** A write failed and will be retried after `retryInMs`. */
  | { type: 'unavailable'; reason: string; status?: number; retryInMs: number }
  /** The server refuses writes (authentication, unknown database): kept, retried after `retryInMs`. */
  | { type: 'refused'; reason: string; status: number; retryInMs: number }
  /** The queue was full: its oldest points were dropped. */
  | { type: 'dropped'; points: number; reason: 'queue full' | 'unreadable queue file' }
  /** The disk queue cannot be read or written, or the writer itself failed. */
  | { type: 'error'; reason: string };

export type QueueState = 'starting' | 'idle' | 'connected' | 'buffering' | 'refused';

export interface QueueTotals {
  written: number;
  rejected: number;
  dropped: number;
  failedRequests: number;
}

interface Segment {
  seq: number;
  count: number;
  /** In memory until persisted; then undefined and `file` is set. */
  lines?: string[];
  file?: string;
  /** A persist is queued for it. */
  persisting?: boolean;
  /**
   * Event time of its oldest point (ms, from the lines' timestamps); unknown for a segment restored
   * from disk until it is read. After points are dropped from the front of a segment on disk it may be
   * older than what is left: the queue then looks behind by a little more, never less.
   */
  oldestTs?: number;
}

/** The smallest timestamp (the last field of a line of line protocol, ms) of the lines; undefined if none. */
export function oldestTimestamp(lines: readonly string[]): number | undefined {
  let oldest: number | undefined;
  for (const line of lines) {
    const ts = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(ts) && (oldest === undefined || ts < oldest)) oldest = ts;
  }
  return oldest;
}

/** The part of a batch a write got through before the server became unavailable or refused it. */
interface SendResult {
  /** Leading lines written or dropped: the batch is done with them. */
  done: number;
  written: number;
  stop?: Extract<WriteOutcome, { kind: 'unavailable' | 'refused' }>;
}

const CLOSE_DISK_RESERVE_MS = 2000;

export class WriteQueue {
  readonly totals: QueueTotals = { written: 0, rejected: 0, dropped: 0, failedRequests: 0 };
  private readonly options: Required<Omit<WriteQueueOptions, 'onEvent'>> & Pick<WriteQueueOptions, 'onEvent'>;
  private buffer: string[] = [];
  private segments: Segment[] = [];
  private nextSeq = 0;
  private queued = 0;
  private ready = false;
  /** An outage (or a slow server): new batches go to disk until the queue has drained. */
  private spilling = false;
  private closing = false;
  private stopped = false;
  private opening: Promise<number> | undefined;
  /** The last write went through. */
  private connected = false;
  /** The last write was refused (authentication, unknown database). */
  private refused = false;
  private lastProblem: string | undefined;
  private failures = 0;
  private inFlight: Segment | undefined;
  private abort = new AbortController();
  private flushTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private diskChain: Promise<void> = Promise.resolve();
  private diskFailing = false;
  /** Woken when a write has been settled or the queue starts spilling (close waits on these). */
  private changeWaiters: Array<() => void> = [];

  constructor(options: WriteQueueOptions) {
    this.options = { memoryLimitPoints: options.batchSize * 4, ...options };
  }

  /** Reads the disk queue left by an earlier run and starts writing. Resolves with the points restored. */
  open(): Promise<number> {
    this.opening ??= this.load();
    return this.opening;
  }

  private async load(): Promise<number> {
    let restored = 0;
    try {
      const files = await listSegments(this.options.dir);
      for (const f of files) restored += f.count;
      this.segments = [...files.map((f) => ({ seq: f.seq, count: f.count, file: f.file })), ...this.segments];
      this.nextSeq = files.length > 0 ? files[files.length - 1].seq + 1 : 0;
      this.queued += restored;
      if (files.length > 0) this.spilling = true;
    } catch (err) {
      this.diskError(`cannot open the queue folder ${this.options.dir}: ${errorMessage(err)}`);
    }
    if (this.stopped) return restored;
    this.ready = true;
    if (restored > 0) this.emit({ type: 'restored', points: restored });
    this.cutFullBatches();
    this.scheduleFlush();
    this.enforceBound();
    this.run().catch((err: unknown) =>
      this.emit({ type: 'error', reason: `the writer stopped: ${errorMessage(err)}` }),
    );
    return restored;
  }

  /** Queues points (line protocol). Never blocks: the write happens later. */
  add(lines: readonly string[]): void {
    if (this.closing || lines.length === 0) return;
    for (const line of lines) this.buffer.push(line);
    this.queued += lines.length;
    this.cutFullBatches();
    this.scheduleFlush();
    this.enforceBound();
  }

  /** Points accepted and not yet written or dropped (memory and disk). */
  get queuedPoints(): number {
    return this.queued;
  }

  /**
   * The queue at a glance; `oldestTs` is the event time of the oldest point waiting (how far behind the
   * database is), absent when none is or the only ones are restored from disk and not read yet.
   */
  get status(): { state: QueueState; queued: number; problem?: string; oldestTs?: number } {
    let state: QueueState;
    if (!this.ready) state = 'starting';
    else if (this.refused) state = 'refused';
    else if ((this.spilling && this.queued > 0) || this.lastProblem !== undefined) state = 'buffering';
    else state = this.connected ? 'connected' : 'idle';
    const status: { state: QueueState; queued: number; problem?: string; oldestTs?: number } = {
      state,
      queued: this.queued,
      problem: this.lastProblem,
    };
    const oldestTs = this.oldestQueuedTs();
    if (oldestTs !== undefined) status.oldestTs = oldestTs;
    return status;
  }

  private oldestQueuedTs(): number | undefined {
    if (this.queued === 0) return undefined;
    // The buffer holds less than a batch once the queue is open: a scan of it is cheap.
    let oldest = oldestTimestamp(this.buffer);
    for (const segment of this.segments) {
      if (segment.oldestTs !== undefined && (oldest === undefined || segment.oldestTs < oldest))
        oldest = segment.oldestTs;
    }
    return oldest;
  }

  /**
   * Sends what is in memory if the server is reachable, within `budgetMs`, then puts whatever is left
   * on disk for the next run, and stops.
   */
  async close(budgetMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.clearFlushTimer();
    // Sequence numbers of new batches are known only once the folder has been read.
    await this.open();
    if (this.ready) this.cutAll();
    const deadline = Date.now() + Math.max(0, budgetMs - CLOSE_DISK_RESERVE_MS);
    if (!this.spilling && this.segments.some((s) => s.file === undefined)) {
      // Let the pump send what is in memory; it stops at the first failure (see run()).
      await this.waitUntil(() => this.spilling || !this.segments.some((s) => s.file === undefined), deadline);
    }
    this.stopped = true;
    this.abort.abort();
    this.wakeUp();
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    // What is still in memory (including the batch in flight: it may be written twice, harmlessly).
    const left = [...this.segments];
    if (this.buffer.length > 0) left.push(this.newSegment(this.buffer.splice(0)));
    for (const segment of left) this.persist(segment);
    await this.diskChain;
  }

  // --- batching ---------------------------------------------------------------------------------

  private cutFullBatches(): void {
    if (!this.ready) return;
    while (this.buffer.length >= this.options.batchSize) {
      this.enqueue(this.buffer.splice(0, this.options.batchSize));
    }
  }

  private cutAll(): void {
    this.cutFullBatches();
    if (this.buffer.length > 0) this.enqueue(this.buffer.splice(0));
  }

  private scheduleFlush(): void {
    if (!this.ready || this.buffer.length === 0 || this.flushTimer || this.closing) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.cutAll();
    }, this.options.flushIntervalMs);
  }

  private clearFlushTimer(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private newSegment(lines: string[]): Segment {
    return { seq: this.nextSeq++, count: lines.length, lines, oldestTs: oldestTimestamp(lines) };
  }

  private enqueue(lines: string[]): void {
    const segment = this.newSegment(lines);
    this.segments.push(segment);
    if (!this.spilling && this.memoryPoints() > this.options.memoryLimitPoints) this.startSpilling();
    else if (this.spilling) this.persist(segment);
    this.wakeUp();
  }

  private memoryPoints(): number {
    let points = 0;
    for (const s of this.segments) if (s.file === undefined && s !== this.inFlight) points += s.count;
    return points;
  }

  private startSpilling(): void {
    this.spilling = true;
    for (const segment of this.segments) this.persist(segment);
    this.notifyChange();
  }

  // --- the bound ----------------------------------------------------------------------------------

  private enforceBound(): void {
    let excess = this.queued - this.options.maxQueuedPoints;
    if (excess <= 0 || !this.ready) return;
    let dropped = 0;
    for (const segment of [...this.segments]) {
      if (excess <= 0) break;
      if (segment === this.inFlight) continue;
      const n = Math.min(excess, segment.count);
      this.dropFront(segment, n);
      excess -= n;
      dropped += n;
    }
    if (excess > 0) {
      const n = Math.min(excess, this.buffer.length);
      this.buffer.splice(0, n);
      this.queued -= n;
      dropped += n;
    }
    if (dropped > 0) {
      this.totals.dropped += dropped;
      this.emit({ type: 'dropped', points: dropped, reason: 'queue full' });
    }
  }

  /** Removes the first `n` points of a segment (all of them: the segment). */
  private dropFront(segment: Segment, n: number): void {
    segment.count -= n;
    this.queued -= n;
    if (segment.lines) {
      segment.lines.splice(0, n);
      segment.oldestTs = oldestTimestamp(segment.lines);
    }
    if (segment.count <= 0) {
      this.segments.splice(this.segments.indexOf(segment), 1);
      // onDisk chains the work and reports its failure itself: nothing to await here.
      void this.onDisk(async () => {
        if (segment.file) await removeSegment(segment.file);
      });
    } else {
      void this.onDisk(async () => {
        // The count is read when the rewrite runs, so several drops queued behind each other agree.
        if (segment.file && segment.count > 0 && this.segments.includes(segment)) {
          segment.file = await shortenSegment(this.options.dir, segment as Required<Segment>, segment.count);
        }
      });
    }
  }

  // --- disk ---------------------------------------------------------------------------------------

  /** Runs disk work one step at a time, in order; a failure is reported and the chain goes on. */
  private onDisk(work: () => Promise<void>): Promise<void> {
    const step = this.diskChain.then(work).catch((err: unknown) => this.diskError(errorMessage(err)));
    this.diskChain = step;
    return step;
  }

  private persist(segment: Segment): void {
    if (segment.file !== undefined || segment.persisting) return;
    segment.persisting = true;
    void this.onDisk(async () => {
      segment.persisting = false;
      if (segment.file !== undefined || !segment.lines || segment.count <= 0) return;
      if (!this.segments.includes(segment) && !this.stopped) return;
      try {
        segment.file = await writeSegment(this.options.dir, segment.seq, segment.lines);
        // The batch in flight keeps its lines until its write resolves; others free their memory.
        if (segment !== this.inFlight) segment.lines = undefined;
        this.diskFailing = false;
      } catch (err) {
        // Keep it in memory: nothing is lost while the process runs, and the bound still applies.
        if (!this.diskFailing)
          this.diskError(`cannot write the queue to disk, keeping it in memory: ${errorMessage(err)}`);
        this.diskFailing = true;
      }
    });
  }

  private diskError(reason: string): void {
    this.emit({ type: 'error', reason });
  }

  // --- sending ------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (!this.stopped) {
      const head = this.segments[0];
      if (!head) {
        // Drained: batches stay in memory again.
        this.spilling = false;
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      this.inFlight = head;
      let lines: string[];
      try {
        lines = head.lines ?? (await this.onDiskRead(head));
      } catch (err) {
        this.inFlight = undefined;
        this.dropUnreadable(head, err);
        continue;
      }
      const result = await this.send(lines);
      this.inFlight = undefined;
      if (this.stopped) return;
      this.settle(head, result);
      if (result.stop) {
        if (this.closing) {
          // Closing and the server is away: what is left goes to disk, no waiting.
          this.startSpilling();
          return;
        }
        await this.sleep(this.retryDelay(result.stop));
      }
    }
  }

  private onDiskRead(segment: Segment): Promise<string[]> {
    let lines: string[] = [];
    let failure: unknown;
    return this.onDisk(async () => {
      try {
        lines = segment.lines ?? (segment.file ? await readSegment(segment.file, segment.count) : []);
        segment.oldestTs ??= oldestTimestamp(lines);
      } catch (err) {
        failure = err;
      }
    }).then(() => {
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
      return lines;
    });
  }

  private dropUnreadable(segment: Segment, err: unknown): void {
    this.diskError(`cannot read queued points from ${segment.file}: ${errorMessage(err)}`);
    const points = segment.count;
    this.dropFront(segment, points);
    this.totals.dropped += points;
    this.emit({ type: 'dropped', points, reason: 'unreadable queue file' });
  }

  /**
   * Writes the lines; when the server rejects the whole request for its data, halves it until the bad
   * lines are found, so only they are dropped.
   */
  private async send(lines: string[]): Promise<SendResult> {
    const outcome = await this.options.sink.write(lines, this.abort.signal);
    switch (outcome.kind) {
      case 'written':
        return { done: lines.length, written: lines.length };
      case 'partial': {
        const dropped = Math.min(outcome.dropped, lines.length);
        this.reject(dropped, outcome.reason, outcome.status);
        return { done: lines.length, written: lines.length - dropped };
      }
      case 'rejected': {
        if (lines.length === 1) {
          this.reject(1, `${outcome.reason} (point: ${lines[0].slice(0, 200)})`, outcome.status);
          return { done: 1, written: 0 };
        }
        const half = Math.ceil(lines.length / 2);
        const first = await this.send(lines.slice(0, half));
        if (first.stop) return first;
        const second = await this.send(lines.slice(half));
        return { done: half + second.done, written: first.written + second.written, stop: second.stop };
      }
      default:
        return { done: 0, written: 0, stop: outcome };
    }
  }

  private reject(points: number, reason: string, status: number): void {
    if (points <= 0) return;
    this.totals.rejected += points;
    this.emit({ type: 'rejected', points, reason, status });
  }

  /** Books a write's result against the batch at the head of the queue. */
  private settle(head: Segment, result: SendResult): void {
    this.bookResult(head, result);
    this.notifyChange();
  }

  private bookResult(head: Segment, result: SendResult): void {
    if (result.written > 0) {
      this.totals.written += result.written;
      this.emit({ type: 'written', points: result.written });
    }
    if (result.done > 0) {
      if (result.done >= head.count) this.dropFront(head, head.count);
      else this.dropFront(head, result.done);
    }
    if (head.file !== undefined && head.lines && head.count > 0) head.lines = undefined;
    if (!result.stop) {
      this.failures = 0;
      this.lastProblem = undefined;
      this.connected = true;
      this.refused = false;
      return;
    }
    this.failures++;
    this.totals.failedRequests++;
    this.lastProblem = result.stop.reason;
    this.connected = false;
    this.refused = result.stop.kind === 'refused';
    this.startSpilling();
  }

  private retryDelay(stop: NonNullable<SendResult['stop']>): number {
    const { retryMinMs, retryMaxMs } = this.options;
    let delay =
      stop.kind === 'refused'
        ? retryMaxMs
        : Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(this.failures - 1, 30));
    if (stop.kind === 'unavailable' && stop.retryAfterMs !== undefined) {
      delay = Math.min(retryMaxMs, Math.max(delay, stop.retryAfterMs));
    }
    if (stop.kind === 'refused') {
      this.emit({ type: 'refused', reason: stop.reason, status: stop.status, retryInMs: delay });
    } else {
      this.emit({ type: 'unavailable', reason: stop.reason, status: stop.status, retryInMs: delay });
    }
    return delay;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.sleepTimer);
        this.sleepTimer = undefined;
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      this.sleepTimer = setTimeout(done, ms);
    });
  }

  private wakeUp(): void {
    // Wakes an idle pump; a pump waiting out a backoff is woken only to stop.
    if (!this.wake) return;
    if (this.sleepTimer && !this.stopped) return;
    const wake = this.wake;
    this.wake = undefined;
    wake();
  }

  private async waitUntil(done: () => boolean, deadline: number): Promise<void> {
    while (!done() && !this.stopped) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.changeWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notifyChange(): void {
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const wake of waiters) wake();
  }

  private emit(event: QueueEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure must not stop the writer.
    }
  }
}

// What influx-write makes of its queue, without Node-RED: the queue options from the node's settings,
// the log lines, metrics and output message of each queue event (an outage said once, drops summed into
// one warning a minute), the status to show and the health screen's entry. Wall-clock time is given, as
// it is about the I/O, not the points' event time.
import { pipelineMetrics } from '../common/metrics';
import type { StatusText } from '../common/status-text';
import { influxQueues, type InfluxQueueHealth } from './queue-board';
import type { QueueEvent, QueueState, QueueTotals, WriteQueueOptions } from './write-queue';

const WARN_INTERVAL_MS = 60_000;
const MAX_LISTED_ERRORS = 3;

export interface NodeStatusChoice {
  fill: 'red' | 'green' | 'yellow' | 'grey';
  shape: 'dot' | 'ring';
  text: string;
}

export interface QueueSettings {
  batchSize: number;
  flushMs: number;
  maxQueuedPoints: number;
  retryMinS: number;
  retryMaxS: number;
}

/** The queue's bounds from the settings: at least one batch queued, the longest retry no shorter than the first. */
export function queueOptions(
  s: QueueSettings,
): Pick<
  WriteQueueOptions,
  'batchSize' | 'flushIntervalMs' | 'maxQueuedPoints' | 'retryMinMs' | 'retryMaxMs'
> {
  const retryMinMs = s.retryMinS * 1000;
  return {
    batchSize: s.batchSize,
    flushIntervalMs: s.flushMs,
    maxQueuedPoints: Math.max(s.batchSize, s.maxQueuedPoints),
    retryMinMs,
    retryMaxMs: Math.max(retryMinMs, s.retryMaxS * 1000),
  };
}

/** Node ids are hex, but a folder name must stay a folder name whatever they are. */
export function folderName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** The error of an input some of whose messages could not be stored (undefined: all were). */
export function notStoredProblem(errors: readonly string[], payload: unknown): string | undefined {
  if (errors.length === 0) return undefined;
  const total = Array.isArray(payload) ? payload.length : 1;
  const listed = errors.slice(0, MAX_LISTED_ERRORS).join('; ');
  const more = errors.length > MAX_LISTED_ERRORS ? ` (and ${errors.length - MAX_LISTED_ERRORS} more)` : '';
  return `${errors.length} of ${total} messages not stored: ${listed}${more}`;
}

/** The health screen's entry of a node that runs but cannot write, with why. */
export function unconfiguredEntry(
  id: string,
  name: string,
  where: string,
  problem: string,
  at: number,
): InfluxQueueHealth {
  return {
    id,
    name: name || where,
    server: where,
    state: 'unconfigured',
    queued: 0,
    lastError: { text: problem, at },
    written: 0,
    dropped: 0,
  };
}

/** What the reporter reads of the queue. */
export interface QueueView {
  readonly status: { state: QueueState; queued: number; problem?: string; oldestTs?: number };
  readonly totals: QueueTotals;
  readonly queuedPoints: number;
}

export interface ReporterLog {
  log(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

export interface ReporterOptions {
  id: string;
  name: string;
  /** The server as tracker-influx describes it (no credentials). */
  description: string;
  dir: string;
  now: () => number;
  t: StatusText;
  log: ReporterLog;
}

export class QueueReporter {
  private reportedQueue = 0;
  private lastStatusText = '';
  private outage: string | undefined;
  private lastDropWarning = 0;
  private droppedSinceWarning = 0;
  private lastRefusal: string | undefined;
  /** The last failed write, for the health screen. */
  private lastError: { text: string; at: number } | undefined;

  constructor(
    private readonly o: ReporterOptions,
    private readonly queue: QueueView,
  ) {}

  /** Logs and counts a queue event; returns the message for the node's output. */
  event(event: QueueEvent): { topic: string; payload: Record<string, unknown> } {
    const { description, log } = this.o;
    if (
      event.type === 'rejected' ||
      event.type === 'unavailable' ||
      event.type === 'refused' ||
      event.type === 'error'
    ) {
      const status = 'status' in event && event.status !== undefined ? `HTTP ${event.status}: ` : '';
      this.lastError = { text: status + event.reason, at: this.o.now() };
    }
    switch (event.type) {
      case 'restored':
        log.log(`${event.points} points waiting in ${this.o.dir} from an earlier run: replaying them`);
        break;
      case 'written':
        pipelineMetrics.influxWritten.inc(event.points);
        if (this.outage) log.log(`${description} is back after ${this.outage}`);
        this.outage = undefined;
        this.lastRefusal = undefined;
        break;
      case 'rejected':
        pipelineMetrics.influxDropped.inc({ reason: 'rejected' }, event.points);
        log.error(`InfluxDB rejected ${event.points} point(s) (HTTP ${event.status}): ${event.reason}`);
        break;
      case 'unavailable':
        pipelineMetrics.influxWriteErrors.inc();
        if (!this.outage)
          log.warn(`${description} unavailable (${event.reason}): queueing points on disk, retrying`);
        this.outage ??= event.reason;
        break;
      case 'refused':
        pipelineMetrics.influxWriteErrors.inc();
        if (this.lastRefusal !== event.reason) {
          log.error(
            `${description} refuses writes (HTTP ${event.status}: ${event.reason}); points are kept on disk ` +
              `and retried every ${Math.round(event.retryInMs / 1000)} s until the connection is fixed`,
          );
        }
        this.lastRefusal = event.reason;
        this.outage ??= event.reason;
        break;
      case 'dropped': {
        pipelineMetrics.influxDropped.inc({ reason: event.reason }, event.points);
        this.droppedSinceWarning += event.points;
        const now = this.o.now();
        if (now - this.lastDropWarning >= WARN_INTERVAL_MS) {
          log.warn(
            event.reason === 'queue full'
              ? `queue full (${this.queue.queuedPoints} points): dropped the ${this.droppedSinceWarning} oldest ` +
                  `(${this.queue.totals.dropped} in all); raise "max queued points" or fix the connection`
              : `dropped ${this.droppedSinceWarning} queued points: ${event.reason}`,
          );
          this.lastDropWarning = now;
          this.droppedSinceWarning = 0;
        }
        break;
      }
      case 'error':
        log.error(event.reason);
        break;
    }
    return {
      topic: `influx-write/${event.type}`,
      payload: {
        ...event,
        queued: this.queue.queuedPoints,
        totals: { ...this.queue.totals },
        server: description,
      },
    };
  }

  /** Updates the queue gauge and the health screen; returns the status when its text changed. */
  status(): NodeStatusChoice | undefined {
    const { t, description } = this.o;
    const { state, queued, problem, oldestTs } = this.queue.status;
    pipelineMetrics.influxQueue.inc(queued - this.reportedQueue);
    this.reportedQueue = queued;
    influxQueues.set({
      id: this.o.id,
      name: this.o.name || description,
      server: description,
      state,
      queued,
      ...(oldestTs !== undefined ? { oldestTs } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
      written: this.queue.totals.written,
      dropped: this.queue.totals.dropped,
    });
    let status: NodeStatusChoice;
    switch (state) {
      case 'starting':
        status = { fill: 'grey', shape: 'ring', text: t('readingQueue') };
        break;
      case 'idle':
        status = { fill: 'grey', shape: 'ring', text: t('ready') };
        break;
      case 'connected':
        status = { fill: 'green', shape: 'dot', text: t('connected') };
        break;
      case 'buffering':
        status = { fill: 'yellow', shape: 'ring', text: t('buffering', { count: queued }) };
        break;
      case 'refused':
        status = {
          fill: 'red',
          shape: 'ring',
          text: t('error', { problem: (problem ?? '').slice(0, 40), count: queued }),
        };
        break;
    }
    if (status.text === this.lastStatusText) return undefined;
    this.lastStatusText = status.text;
    return status;
  }

  /** The node is gone: its points leave the gauge and its entry the health screen. */
  close(): void {
    pipelineMetrics.influxQueue.dec(this.reportedQueue);
    this.reportedQueue = 0;
    influxQueues.remove(this.o.id);
  }
}

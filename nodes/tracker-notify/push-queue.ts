// Pending pushes: one job per (alert, escalation step, device), sent a few at a time, retried with
// back-off on 429 / 5xx / network failures, dropped when the subscription is gone (404 / 410) or the
// push would be too late (its TTL), and kept in the state file so a restart loses none.
//
// "Nothing twice": a job key is taken once; a key already queued or sent (the last `maxSent` keys)
// is refused. A job in flight when the power goes is sent again after the restart (at least once);
// every push of one alert carries the same Topic header and notification tag, so the push service and
// the phone replace an earlier copy instead of showing a second one.
//
// Timers are the injected clock's wall-clock timers for I/O (back-off, TTL).

export interface PushJob {
  key: string;
  alertId: string;
  login: string;
  deviceId: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** JSON text of the notification. */
  payload: string;
  urgency: 'normal' | 'high';
  /** Push service coalescing key (the alert id, base64url, <= 32 chars). */
  topic: string;
  step: number;
  attempts: number;
  notBefore: number;
  expires: number;
}

export type SendOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: number }
  | { kind: 'retry'; status?: number; retryAfterMs?: number; reason: string }
  | { kind: 'failed'; status?: number; reason: string };

export interface PushSender {
  send(job: PushJob): Promise<SendOutcome>;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface PushQueueOptions {
  sender: PushSender;
  clock: Clock;
  concurrency?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Jobs beyond this many are refused (the oldest stay: they are the most urgent). */
  maxJobs?: number;
  maxSent?: number;
  /** Called once per attempt's outcome; `final` is false for a retry that will happen. */
  onOutcome: (job: PushJob, outcome: SendOutcome | { kind: 'expired' }, final: boolean) => void;
  /** The queue changed (persist it). */
  onChange?: () => void;
}

export interface StoredQueue {
  jobs: PushJob[];
  sent: string[];
}

export class PushQueue {
  private readonly jobs = new Map<string, PushJob>();
  private readonly inFlight = new Set<string>();
  private readonly sent = new Map<string, true>();
  private timer: unknown;
  private timerAt = Infinity;
  private stopped = false;
  private readonly concurrency: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly maxJobs: number;
  private readonly maxSent: number;
  private idleWaiters: Array<() => void> = [];
  /** The last attempt could not reach a push service (network error or 5xx). */
  unreachable: string | undefined;

  constructor(
    private readonly options: PushQueueOptions,
    restored?: Partial<StoredQueue>,
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.retryMinMs = options.retryMinMs ?? 5000;
    this.retryMaxMs = options.retryMaxMs ?? 600_000;
    this.maxJobs = options.maxJobs ?? 20_000;
    this.maxSent = options.maxSent ?? 50_000;
    for (const key of restored?.sent ?? []) this.sent.set(key, true);
    for (const job of restored?.jobs ?? []) this.jobs.set(job.key, job);
  }

  /** Queues a job unless its key was queued or sent before; returns whether it was taken. */
  add(job: PushJob): boolean {
    if (this.stopped || this.jobs.has(job.key) || this.sent.has(job.key) || this.jobs.size >= this.maxJobs)
      return false;
    this.jobs.set(job.key, job);
    this.options.onChange?.();
    this.pump();
    return true;
  }

  /** Starts sending (restored jobs too). */
  start(): void {
    this.pump();
  }

  get pending(): number {
    return this.jobs.size;
  }

  /** Drops the jobs of an alert that no longer needs them (acknowledged or resolved), not yet in flight. */
  cancel(alertId: string): number {
    let n = 0;
    for (const [key, job] of this.jobs)
      if (job.alertId === alertId && !this.inFlight.has(key)) {
        this.jobs.delete(key);
        n++;
      }
    if (n > 0) this.options.onChange?.();
    return n;
  }

  /** Drops the waiting jobs of a device that was unsubscribed or removed. */
  cancelDevice(deviceId: string): number {
    let n = 0;
    for (const [key, job] of this.jobs)
      if (job.deviceId === deviceId && !this.inFlight.has(key)) {
        this.jobs.delete(key);
        n++;
      }
    if (n > 0) this.options.onChange?.();
    return n;
  }

  /** Resolves when no job is waiting or in flight (tests, the benchmark). */
  idle(): Promise<void> {
    if (this.jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  toJSON(): StoredQueue {
    return { jobs: [...this.jobs.values()], sent: [...this.sent.keys()] };
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.options.clock.now();
    let wake = Infinity;
    for (const job of this.jobs.values()) {
      if (this.inFlight.size >= this.concurrency) break;
      if (this.inFlight.has(job.key)) continue;
      if (job.expires <= now) {
        this.jobs.delete(job.key);
        this.options.onOutcome(job, { kind: 'expired' }, true);
        this.options.onChange?.();
        continue;
      }
      if (job.notBefore > now) {
        wake = Math.min(wake, job.notBefore);
        continue;
      }
      this.attempt(job);
    }
    if (wake < Infinity) this.wakeAt(wake);
    this.checkIdle();
  }

  private attempt(job: PushJob): void {
    this.inFlight.add(job.key);
    job.attempts += 1;
    const settle = (outcome: SendOutcome): void => {
      this.inFlight.delete(job.key);
      if (this.stopped) return;
      const now = this.options.clock.now();
      if (outcome.kind === 'retry') {
        this.unreachable = outcome.status === undefined || outcome.status >= 500 ? outcome.reason : undefined;
        const backoff = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.min(job.attempts - 1, 20));
        job.notBefore = now + Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, 3_600_000));
        const final = job.notBefore >= job.expires;
        if (final) this.finish(job);
        this.options.onOutcome(
          job,
          final
            ? { kind: 'failed', status: outcome.status, reason: `${outcome.reason}; gave up (TTL)` }
            : outcome,
          final,
        );
      } else {
        if (outcome.kind === 'delivered' || outcome.kind === 'gone') this.unreachable = undefined;
        this.finish(job);
        this.options.onOutcome(job, outcome, true);
      }
      this.options.onChange?.();
      this.pump();
    };
    let pending: Promise<SendOutcome>;
    try {
      pending = this.options.sender.send(job);
    } catch (err) {
      pending = Promise.resolve({ kind: 'failed', reason: err instanceof Error ? err.message : String(err) });
    }
    pending.then(settle, (err: unknown) =>
      settle({ kind: 'retry', reason: err instanceof Error ? err.message : String(err) }),
    );
  }

  private finish(job: PushJob): void {
    this.jobs.delete(job.key);
    this.sent.set(job.key, true);
    while (this.sent.size > this.maxSent) this.sent.delete(this.sent.keys().next().value as string);
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.options.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, at - this.options.clock.now()),
    );
  }

  private checkIdle(): void {
    if (this.jobs.size > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

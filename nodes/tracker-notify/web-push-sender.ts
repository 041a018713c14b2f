// The Web Push sender: RFC 8030 delivery, RFC 8291 aes128gcm encryption and RFC 8292 VAPID, all by
// the `web-push` package; this file only turns its answers into queue outcomes.
import type { Agent } from 'https';
import * as webpush from 'web-push';
import type { PushJob, PushSender, SendOutcome } from './push-queue';

export interface Vapid {
  subject: string;
  publicKey: string;
  privateKey: string;
}

export function makeVapidKeys(): { publicKey: string; privateKey: string } {
  return webpush.generateVAPIDKeys();
}

/** Whether a key pair looks like web-push's (base64url P-256: 65-byte public, 32-byte private). */
export function isVapidPair(publicKey: unknown, privateKey: unknown): boolean {
  const len = (k: unknown): number =>
    typeof k === 'string' && /^[A-Za-z0-9_-]+$/.test(k) ? Buffer.from(k, 'base64url').length : -1;
  return len(publicKey) === 65 && len(privateKey) === 32;
}

function retryAfterMs(headers: Record<string, unknown> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  if (typeof value !== 'string') return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** Classifies a push service's status code (RFC 8030 section 5 and common practice). */
export function outcomeOf(status: number, headers?: Record<string, unknown>, body = ''): SendOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 404 || status === 410) return { kind: 'gone', status };
  const reason = `push service answered ${status}${body ? `: ${body.slice(0, 80)}` : ''}`;
  if (status === 429 || status >= 500)
    return { kind: 'retry', status, retryAfterMs: retryAfterMs(headers), reason };
  return { kind: 'failed', status, reason };
}

export interface WebPushSenderOptions {
  vapid: Vapid;
  /** TTL the push service keeps an undelivered message, seconds. */
  ttlS: number;
  timeoutMs?: number;
  /** For tests (a local push service with its own certificate). */
  agent?: Agent;
}

export class WebPushSender implements PushSender {
  constructor(private readonly options: WebPushSenderOptions) {}

  async send(job: PushJob): Promise<SendOutcome> {
    try {
      const res = await webpush.sendNotification({ endpoint: job.endpoint, keys: job.keys }, job.payload, {
        vapidDetails: this.options.vapid,
        TTL: this.options.ttlS,
        urgency: job.urgency,
        topic: job.topic,
        contentEncoding: 'aes128gcm',
        timeout: this.options.timeoutMs ?? 15000,
        ...(this.options.agent ? { agent: this.options.agent } : {}),
      });
      return outcomeOf(res.statusCode, res.headers as Record<string, unknown>);
    } catch (err) {
      if (err instanceof webpush.WebPushError)
        return outcomeOf(err.statusCode, err.headers as Record<string, unknown>, err.body);
      const message = err instanceof Error ? err.message : String(err);
      // A bad subscription (keys of the wrong size) can never be sent.
      if (/public key|auth secret|subscription/i.test(message)) return { kind: 'failed', reason: message };
      return { kind: 'retry', reason: `push service unreachable: ${message}` };
    }
  }
}

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

/** A VAPID JWT is valid up to 24 h (RFC 8292); web-push makes them for 12 h, and one is reused for 11. */
const VAPID_LIFETIME_S = 12 * 3600;
const VAPID_REUSE_MS = 11 * 3600 * 1000;

export class WebPushSender implements PushSender {
  /** Signed VAPID Authorization headers per push service origin: signing costs more than encrypting. */
  private readonly authorization = new Map<string, { header: string; until: number }>();

  constructor(private readonly options: WebPushSenderOptions) {}

  /** web-push's own VAPID header for the endpoint's origin, made once per origin and reused. */
  private vapidHeader(endpoint: string, now: number): string {
    const audience = new URL(endpoint).origin;
    const cached = this.authorization.get(audience);
    if (cached && cached.until > now) return cached.header;
    const v = this.options.vapid;
    const headers = webpush.getVapidHeaders(
      audience,
      v.subject,
      v.publicKey,
      v.privateKey,
      'aes128gcm',
      Math.floor(now / 1000) + VAPID_LIFETIME_S,
    );
    if (this.authorization.size > 100) this.authorization.clear();
    this.authorization.set(audience, { header: headers.Authorization, until: now + VAPID_REUSE_MS });
    return headers.Authorization;
  }

  async send(job: PushJob): Promise<SendOutcome> {
    try {
      const res = await webpush.sendNotification({ endpoint: job.endpoint, keys: job.keys }, job.payload, {
        // The Authorization header comes from vapidHeader(); null stops web-push from signing a new
        // JWT for every message (its types do not list null, its code checks `!== undefined`).
        vapidDetails: null as unknown as undefined,
        headers: { Authorization: this.vapidHeader(job.endpoint, Date.now()) },
        TTL: this.options.ttlS,
        urgency: job.urgency,
        topic: job.topic,
        contentEncoding: 'aes128gcm',
        timeout: this.options.timeoutMs ?? 15000,
        ...(this.options.agent ? { agent: this.options.agent } : {}),
      });
      return outcomeOf(res.statusCode, res.headers);
    } catch (err) {
      if (err instanceof webpush.WebPushError) return outcomeOf(err.statusCode, err.headers, err.body);
      const message = err instanceof Error ? err.message : String(err);
      // A bad subscription (keys of the wrong size) can never be sent.
      if (/public key|auth secret|subscription/i.test(message)) return { kind: 'failed', reason: message };
      return { kind: 'retry', reason: `push service unreachable: ${message}` };
    }
  }
}

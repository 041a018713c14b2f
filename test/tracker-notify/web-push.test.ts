// The Web Push sender and the push queue against a local push service that checks the VAPID JWT and
// decrypts the aes128gcm body with the subscription's keys: the real encryption, not a mock.
import assert from 'node:assert/strict';
import { Agent } from 'https';
import {
  PushQueue,
  systemClock,
  type PushJob,
  type SendOutcome,
} from '../../nodes/tracker-notify/push-queue';
import { makeVapidKeys, WebPushSender, outcomeOf } from '../../nodes/tracker-notify/web-push-sender';
import { PushService, type TestSubscription } from './push-service';
import { TEST_CERT } from './test-cert';

describe('tracker-notify Web Push', function () {
  this.timeout(20000);
  const service = new PushService();
  const vapid = { subject: 'mailto:test@example.org', ...makeVapidKeys() };
  const agent = new Agent({ ca: TEST_CERT, keepAlive: false });
  const sender = new WebPushSender({ vapid, ttlS: 600, agent, timeoutMs: 5000 });

  before(() => service.start());
  after(() => service.stop());

  function job(sub: TestSubscription, key: string, body: object, step = 0): PushJob {
    return {
      key,
      alertId: key.split('/')[0],
      login: 'anna',
      deviceId: 'd1',
      endpoint: sub.endpoint,
      keys: sub.keys,
      payload: JSON.stringify(body),
      urgency: 'high',
      topic: key.split('/')[0],
      step,
      attempts: 0,
      notBefore: 0,
      expires: Date.now() + 60000,
    };
  }

  it('sends an aes128gcm message that the subscription keys decrypt, signed with the VAPID key', async () => {
    const sub = service.subscribe('phone-a');
    const outcome = await sender.send(job(sub, 'alert1/0/d1', { title: 'Rex left Yard', alert: 'alert1' }));
    assert.deepEqual(outcome, { kind: 'delivered', status: 201 });
    assert.deepEqual(service.errors, []);
    const got = service.received.find((r) => r.device === 'phone-a');
    assert.ok(got);
    assert.deepEqual(got.payload, { title: 'Rex left Yard', alert: 'alert1' });
    assert.equal(got.vapidPublicKey, vapid.publicKey);
    assert.equal(got.jwt.sub, vapid.subject);
    assert.ok(got.jwt.exp * 1000 > Date.now() && got.jwt.exp * 1000 <= Date.now() + 24 * 3600 * 1000);
    assert.equal(got.headers.urgency, 'high');
    assert.equal(got.headers.topic, 'alert1');
    assert.equal(got.headers.ttl, '600');
  });

  it('classifies status codes: 2xx delivered, 404/410 gone, 429/5xx retry (Retry-After), other 4xx failed', () => {
    assert.equal(outcomeOf(201).kind, 'delivered');
    assert.equal(outcomeOf(404).kind, 'gone');
    assert.equal(outcomeOf(410).kind, 'gone');
    assert.deepEqual(outcomeOf(429, { 'retry-after': '7' }), {
      kind: 'retry',
      status: 429,
      retryAfterMs: 7000,
      reason: 'push service answered 429',
    });
    assert.equal(outcomeOf(503).kind, 'retry');
    assert.equal(outcomeOf(400).kind, 'failed');
    assert.equal(outcomeOf(413).kind, 'failed');
  });

  function queueWith(outcomes: Array<{ job: PushJob; outcome: string; final: boolean }>): PushQueue {
    return new PushQueue({
      sender,
      clock: systemClock,
      retryMinMs: 20,
      retryMaxMs: 100,
      onOutcome: (j, o, final) => outcomes.push({ job: j, outcome: o.kind, final }),
    });
  }

  it('retries 429 and 5xx with back-off until delivered; 404 and 410 end the job as gone', async () => {
    const outcomes: Array<{ job: PushJob; outcome: string; final: boolean }> = [];
    const queue = queueWith(outcomes);
    const busy = service.subscribe('busy');
    const gone = service.subscribe('gone');
    const expired = service.subscribe('expired');
    service.script(
      'busy',
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 503 },
      { status: 500 },
    );
    service.script('gone', { status: 410 });
    service.script('expired', { status: 404 });
    queue.add(job(busy, 'a2/0/busy', { n: 1 }));
    queue.add(job(gone, 'a2/0/gone', { n: 2 }));
    queue.add(job(expired, 'a2/0/expired', { n: 3 }));
    await queue.idle();
    queue.stop();
    const busyOutcomes = outcomes.filter((o) => o.job.key === 'a2/0/busy').map((o) => o.outcome);
    assert.deepEqual(busyOutcomes, ['retry', 'retry', 'retry', 'delivered']);
    assert.equal(
      outcomes.find((o) => o.job.key === 'a2/0/busy' && o.outcome === 'delivered')?.job.attempts,
      4,
    );
    assert.deepEqual(
      outcomes.filter((o) => o.job.key !== 'a2/0/busy').map((o) => [o.job.key, o.outcome, o.final]),
      [
        ['a2/0/gone', 'gone', true],
        ['a2/0/expired', 'gone', true],
      ],
    );
    assert.deepEqual(
      service.received.filter((r) => r.device === 'busy').map((r) => r.payload),
      [{ n: 1 }],
    );
  });

  it('sends nothing twice for one key, even when added again after it was sent', async () => {
    const outcomes: Array<{ job: PushJob; outcome: string; final: boolean }> = [];
    const queue = queueWith(outcomes);
    const sub = service.subscribe('once');
    assert.equal(queue.add(job(sub, 'a3/0/once', { n: 1 })), true);
    assert.equal(queue.add(job(sub, 'a3/0/once', { n: 1 })), false);
    await queue.idle();
    assert.equal(queue.add(job(sub, 'a3/0/once', { n: 1 })), false);
    // A device's waiting jobs go when it is removed.
    const stopped = new PushQueue(
      { sender, clock: systemClock, onOutcome: () => undefined },
      { jobs: [{ ...job(sub, 'a3/9/once', { n: 9 }), deviceId: 'gone-device' }], sent: [] },
    );
    assert.equal(stopped.cancelDevice('gone-device'), 1);
    assert.equal(stopped.pending, 0);
    // The next escalation step is another key, and is sent.
    assert.equal(queue.add(job(sub, 'a3/1/once', { n: 2 })), true);
    await queue.idle();
    queue.stop();
    assert.deepEqual(
      service.received.filter((r) => r.device === 'once').map((r) => r.payload),
      [{ n: 1 }, { n: 2 }],
    );
  });

  it('reports the push service unreachable, keeps the job, and a restored queue sends it', async () => {
    const outcomes: Array<{ job: PushJob; outcome: string; final: boolean }> = [];
    let first: () => void = () => undefined;
    const settled = new Promise<void>((resolve) => (first = resolve));
    const queue = new PushQueue({
      sender,
      clock: systemClock,
      retryMinMs: 10000,
      onOutcome: (j, o, final) => {
        outcomes.push({ job: j, outcome: o.kind, final });
        first();
      },
    });
    const sub = service.subscribe('later');
    // A port nobody listens on: the connection is refused.
    const dead = { ...sub, endpoint: 'https://127.0.0.1:1/push/later' };
    queue.add(job(dead, 'a4/0/later', { n: 4 }));
    await settled;
    queue.stop();
    assert.equal(outcomes[0].outcome, 'retry');
    assert.match(queue.unreachable ?? '', /unreachable/);
    const stored = JSON.parse(JSON.stringify(queue.toJSON())) as ReturnType<PushQueue['toJSON']>;
    assert.equal(stored.jobs.length, 1);
    // After a restart, the same job (the hub reaches the service again) is sent.
    stored.jobs[0].endpoint = sub.endpoint;
    stored.jobs[0].notBefore = 0;
    const seen: SendOutcome['kind'][] = [];
    const again = new PushQueue(
      { sender, clock: systemClock, onOutcome: (_j, o) => seen.push(o.kind as SendOutcome['kind']) },
      stored,
    );
    again.start();
    await again.idle();
    again.stop();
    assert.deepEqual(seen, ['delivered']);
    assert.deepEqual(
      service.received.filter((r) => r.device === 'later').map((r) => r.payload),
      [{ n: 4 }],
    );
  });
});

// tracker-notify across a Node-RED restart (a child process, as on the hub): the notification history,
// the device and a push still pending (the push service answered 503) survive a clean stop; the pending
// push is delivered after the start, and the same alert injected again is not sent twice.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hashSync } from 'bcryptjs';
import { startNodeRed, type NodeRedRuntime } from '../support/node-red-process';
import { PushService } from './push-service';
import { TEST_CERT } from './test-cert';

const ALERT = {
  v: 1,
  type: 'alert',
  event: 'exit',
  dog: 'rex',
  zone: 'yard',
  kind: 'safe',
  severity: 'critical',
  ts: 1763800009000,
};

function flow(): object[] {
  return [
    { id: 'tab1', type: 'tab', label: 'notify' },
    {
      id: 'alert-in',
      type: 'http in',
      z: 'tab1',
      name: 'POST an alert',
      url: '/test-alert',
      method: 'post',
      upload: false,
      wires: [['notify1', 'alert-ok']],
    },
    {
      id: 'alert-ok',
      type: 'http response',
      z: 'tab1',
      name: 'ok',
      statusCode: '204',
      headers: {},
      wires: [],
    },
    {
      id: 'notify1',
      type: 'tracker-notify',
      z: 'tab1',
      name: 'notify',
      path: '',
      title: 'Alerts',
      people: JSON.stringify([{ login: 'ben', name: 'Ben', role: 'viewer' }]),
      escalation: '',
      escalateAfterS: 0,
      maxEscalations: 0,
      timeZone: 'UTC',
      ttlS: 3600,
      vapidSubject: 'mailto:test@example.org',
      wires: [[], []],
      credentials: { hashes: JSON.stringify({ ben: hashSync('ben-password', 4) }) },
    },
  ];
}

describe('tracker-notify across a restart', function () {
  this.timeout(90000);
  const service = new PushService();
  let work: string;
  let nodeRed: NodeRedRuntime | undefined;

  before(async () => {
    await service.start();
    work = mkdtempSync(path.join(os.tmpdir(), 'notify-restart-'));
    writeFileSync(path.join(work, 'ca.pem'), TEST_CERT);
  });
  after(async () => {
    await nodeRed?.stop();
    await service.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function start(userDir: string): Promise<NodeRedRuntime> {
    return startNodeRed({
      name: 'notify-restart',
      flow: flow(),
      userDir,
      env: { NODE_EXTRA_CA_CERTS: path.join(work, 'ca.pem') },
    });
  }

  async function login(url: string): Promise<string> {
    const res = await fetch(`${url}/dogtracker/api/notify/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: 'ben', password: 'ben-password' }),
    });
    assert.equal(res.status, 200);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  }

  async function alerts(
    url: string,
    cookie: string,
  ): Promise<Array<{ id: string; history: Array<{ what: string }> }>> {
    const res = await fetch(`${url}/dogtracker/api/notify/alerts`, { headers: { Cookie: cookie } });
    assert.equal(res.status, 200);
    return (await res.json()) as Array<{ id: string; history: Array<{ what: string }> }>;
  }

  async function post(url: string, body: unknown, cookie = '', route = '/test-alert'): Promise<number> {
    const res = await fetch(url + route, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(cookie ? { Cookie: cookie } : {}) },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  }

  it('keeps history, the device and a pending push; delivers it once after the start', async () => {
    const userDir = path.join(work, 'user');
    mkdirSync(userDir);
    nodeRed = await start(userDir);
    const cookie = await login(nodeRed.url);
    const sub = service.subscribe('phone');
    service.script('phone', { status: 503 });
    assert.equal(
      await post(
        nodeRed.url,
        { subscription: sub, label: 'phone' },
        cookie,
        '/dogtracker/api/notify/push/subscribe',
      ),
      201,
    );
    assert.equal(await post(nodeRed.url, ALERT), 204);
    // The push service is busy: the push waits (retried after 5 s).
    await service.until(() => service.refused.some((r) => r.device === 'phone'), 20000);
    await nodeRed.stop('SIGTERM');
    nodeRed = undefined;
    assert.equal(service.received.length, 0, 'nothing delivered before the restart');

    nodeRed = await start(userDir);
    await service.until(() => service.received.some((r) => r.device === 'phone'), 30000);
    // The same alert again after the restart is the same alert: not sent twice.
    assert.equal(await post(nodeRed.url, ALERT), 204);
    // The session survives too (the state keeps a digest of its token).
    const list = await alerts(nodeRed.url, cookie);
    assert.equal(list.length, 1);
    const whats = list[0].history.map((h) => h.what);
    assert.deepEqual(whats, ['opened', 'notified', 'retry', 'delivered']);
    assert.equal(service.received.filter((r) => r.device === 'phone').length, 1);
    assert.equal(service.received[0].payload.title, 'rex left yard');
  });
});

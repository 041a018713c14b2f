// The shipped Mosquitto configuration holds against the real broker: logins, the ACL (Pis, hub, phones),
// last wills, TLS and secure WebSocket with certificates from make-certs.sh.
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireBinary } from '../support/services';
import { login, refusal, type Probe } from './mqtt-probe';
import {
  adaptMosquittoConf,
  deployDir,
  makeCerts,
  startShippedBroker,
  type ShippedBroker,
} from './shipped-broker';

const USERS = { hub: 'hub-secret', phone: 'phone-secret', 'pi-a': 'a-secret', 'pi-b': 'b-secret' };
const NOT_AUTHORIZED = 135;
/** Mosquitto 2.0 answers a wrong password with 135 (not authorized); the MQTT 5 code for it is 134. */
const isLoginRefusal = (code: number | undefined): boolean => code === 134 || code === NOT_AUTHORIZED;
const t = (kind: string, id: string): string => `dogtracker/v1/${kind}/${id}`;

describe('deploy: Mosquitto with the shipped config, ACL and certificates', function () {
  this.timeout(30000);
  let broker: ShippedBroker;
  const open: Probe[] = [];

  before(async function () {
    const bin = requireBinary(this, 'mosquitto', 'mosquitto');
    requireBinary(this, 'openssl', 'openssl');
    broker = await startShippedBroker(bin, USERS);
  });
  after(async () => broker?.dispose());
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.end()));
  });

  async function as(user: keyof typeof USERS, options = {}): Promise<Probe> {
    const p = await login(broker.mqttUrl, user, USERS[user], options);
    open.push(p);
    return p;
  }

  describe('logins', () => {
    it('refuses a wrong password, an unknown user and an anonymous client', async () => {
      for (const [user, password] of [
        ['pi-a', 'b-secret'],
        ['pi-zz', 'whatever'],
        ['', ''],
      ]) {
        const code = await refusal(login(broker.mqttUrl, user, password));
        assert.ok(isLoginRefusal(code), `${user || 'anonymous'}: ${code}`);
      }
    });

    it('lets each configured user in', async () => {
      for (const user of Object.keys(USERS) as Array<keyof typeof USERS>)
        assert.ok((await as(user)).client.connected);
    });
  });

  describe('a Pi', () => {
    it('publishes its own rssi, health and status, and the hub receives them', async () => {
      const hub = await as('hub');
      assert.deepEqual(await hub.subscribe([t('rssi', '+'), t('health', '+'), t('status', '+')]), [1, 1, 1]);
      const pi = await as('pi-a');
      for (const kind of ['rssi', 'health', 'status']) {
        await pi.client.publishAsync(t(kind, 'pi-a'), `${kind} from pi-a`, { qos: 1 });
        await hub.next(
          (m) => m.topic === t(kind, 'pi-a') && m.text === `${kind} from pi-a`,
          5000,
          `${kind}/pi-a`,
        );
      }
    });

    it("cannot publish another Pi's topics nor positions, alerts or commands", async () => {
      const hub = await as('hub');
      await hub.subscribe([t('rssi', '+'), t('health', '+'), t('status', '+')]);
      const phone = await as('phone');
      await phone.subscribe([t('position', '#'), t('alert', '#')]);
      const pi = await as('pi-a');
      const forbidden = [
        t('rssi', 'pi-b'),
        t('health', 'pi-b'),
        t('status', 'pi-b'),
        t('position', 'rex'),
        t('zone-state', 'rex'),
        t('alert', 'rex'),
        t('cmd', 'pi-b'),
        t('cmd', 'pi-a'),
        'dogtracker/v1/other',
      ];
      for (const topic of forbidden) {
        assert.equal(
          await refusal(pi.client.publishAsync(topic, 'forged', { qos: 1 })),
          NOT_AUTHORIZED,
          topic,
        );
      }
      // What a client publishes reaches a subscriber in order: once this arrives, nothing forged came before it.
      await pi.client.publishAsync(t('rssi', 'pi-a'), 'marker', { qos: 1 });
      await hub.next((m) => m.text === 'marker');
      assert.deepEqual(
        hub.received.map((m) => m.text),
        ['marker'],
      );
      assert.deepEqual(phone.received, []);
    });

    it('cannot read positions, alerts or other Pis, and reads only its own commands', async () => {
      const pi = await as('pi-a');
      // Mosquitto 2.0 grants any subscription and checks the ACL on each delivery: what counts is what arrives.
      await pi.subscribe([
        t('position', '#'),
        t('alert', '+'),
        t('rssi', '+'),
        t('status', '+'),
        t('cmd', '+'),
        '#',
      ]);
      const hub = await as('hub');
      await hub.client.publishAsync(t('position', 'rex'), '{"type":"position"}', { qos: 1, retain: true });
      await hub.client.publishAsync(t('zone-state', 'rex'), '{"type":"zone-state"}', {
        qos: 1,
        retain: true,
      });
      await hub.client.publishAsync(t('alert', 'rex'), '{"type":"alert"}', { qos: 1 });
      await hub.client.publishAsync(t('cmd', 'pi-b'), '{"cmd":"rescan"}', { qos: 1 });
      const other = await as('pi-b');
      await other.client.publishAsync(t('rssi', 'pi-b'), '[]', { qos: 1 });
      await other.client.publishAsync(t('status', 'pi-b'), 'online', { qos: 1 });
      await hub.client.publishAsync(t('cmd', 'pi-a'), '{"cmd":"rescan"}', { qos: 1 });
      await pi.next((m) => m.topic === t('cmd', 'pi-a'));
      // The other Pi's messages went out before the hub's last command; give them a round trip to be sure.
      await other.client.publishAsync(t('status', 'pi-b'), 'still online', { qos: 1 });
      await hub.client.publishAsync(t('cmd', 'pi-a'), 'last', { qos: 1 });
      await pi.next((m) => m.text === 'last');
      assert.deepEqual([...new Set(pi.received.map((m) => m.topic))], [t('cmd', 'pi-a')]);
    });

    it('leaves a retained "offline" on its status topic when it drops off, over its retained "online"', async () => {
      const pi = await login(broker.mqttUrl, 'pi-b', USERS['pi-b'], {
        will: { topic: t('status', 'pi-b'), payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      await pi.client.publishAsync(t('status', 'pi-b'), 'online', { qos: 1, retain: true });
      const before = await as('phone');
      await before.subscribe(t('status', '+'));
      await before.next((m) => m.topic === t('status', 'pi-b') && m.text === 'online' && m.retain);
      // The power goes: the TCP connection dies without an MQTT DISCONNECT.
      pi.client.stream.destroy();
      await before.next((m) => m.text === 'offline', 10000, 'last will');
      const later = await as('phone');
      await later.subscribe(t('status', '+'));
      const retained = await later.next((m) => m.topic === t('status', 'pi-b'));
      assert.equal(retained.text, 'offline');
      assert.equal(retained.retain, true);
      pi.client.end(true);
    });

    it("cannot get its last will published on another Pi's status", async () => {
      const phone = await as('phone');
      await phone.subscribe(t('status', '+'));
      const forger = await login(broker.mqttUrl, 'pi-a', USERS['pi-a'], {
        will: { topic: t('status', 'pi-b'), payload: Buffer.from('forged offline'), qos: 1, retain: true },
      });
      forger.client.stream.destroy();
      // A will that is let through is published as the connection drops; this honest will comes after it.
      const honest = await login(broker.mqttUrl, 'pi-a', USERS['pi-a'], {
        will: { topic: t('status', 'pi-a'), payload: Buffer.from('offline'), qos: 1, retain: false },
      });
      honest.client.stream.destroy();
      await phone.next(
        (m) => m.topic === t('status', 'pi-a') && m.text === 'offline',
        10000,
        'the honest will',
      );
      assert.equal(phone.received.filter((m) => m.text === 'forged offline').length, 0);
      forger.client.end(true);
      honest.client.end(true);
    });
  });

  describe('the hub', () => {
    it('publishes positions and zone states (retained), alerts and commands, and cannot forge readings', async () => {
      const hub = await as('hub');
      for (const topic of [
        t('position', 'rex'),
        t('zone-state', 'rex'),
        t('alert', 'rex'),
        t('cmd', 'pi-a'),
      ]) {
        assert.equal(await refusal(hub.client.publishAsync(topic, 'ok', { qos: 1 })), undefined, topic);
      }
      for (const topic of [t('rssi', 'pi-a'), t('health', 'pi-a'), t('status', 'pi-a')]) {
        assert.equal(
          await refusal(hub.client.publishAsync(topic, 'forged', { qos: 1 })),
          NOT_AUTHORIZED,
          topic,
        );
      }
    });
  });

  describe('a phone', () => {
    it('reads positions and zone states (the retained latest first), alerts and statuses', async () => {
      const hub = await as('hub');
      await hub.client.publishAsync(t('position', 'bella'), 'latest', { qos: 1, retain: true });
      await hub.client.publishAsync(t('zone-state', 'bella'), 'inside yard', { qos: 1, retain: true });
      const phone = await as('phone');
      assert.deepEqual(
        await phone.subscribe([t('position', '#'), t('zone-state', '#'), t('alert', '#'), t('status', '#')]),
        [1, 1, 1, 1],
      );
      for (const kind of ['position', 'zone-state']) {
        const retained = await phone.next((m) => m.topic === t(kind, 'bella'));
        assert.equal(retained.retain, true, kind);
      }
      await hub.client.publishAsync(t('alert', 'bella'), 'exit', { qos: 1 });
      await phone.next((m) => m.topic === t('alert', 'bella') && m.text === 'exit');
    });

    it('publishes nothing at all and reads no readings, health or commands', async () => {
      const phone = await as('phone');
      for (const topic of [
        t('position', 'rex'),
        t('zone-state', 'rex'),
        t('alert', 'rex'),
        t('status', 'phone'),
        t('rssi', 'phone'),
        t('health', 'phone'),
        t('cmd', 'pi-a'),
      ]) {
        assert.equal(
          await refusal(phone.client.publishAsync(topic, 'forged', { qos: 1 })),
          NOT_AUTHORIZED,
          topic,
        );
      }
      await phone.subscribe([t('rssi', '+'), t('health', '+'), t('cmd', '+'), '#']);
      const pi = await as('pi-a');
      await pi.client.publishAsync(t('rssi', 'pi-a'), '[]', { qos: 1 });
      await pi.client.publishAsync(t('health', 'pi-a'), '{}', { qos: 1 });
      const hub = await as('hub');
      await hub.client.publishAsync(t('cmd', 'pi-a'), '{"cmd":"rescan"}', { qos: 1 });
      await pi.client.publishAsync(t('status', 'pi-a'), 'online', { qos: 1 });
      await phone.next((m) => m.topic === t('status', 'pi-a'));
      await hub.client.publishAsync(t('position', 'rex'), 'last', { qos: 1 });
      await phone.next((m) => m.text === 'last');
      // Retained positions, zone states and statuses of earlier tests may come too; readings, health and
      // commands never.
      const kinds = new Set(phone.received.map((m) => m.topic.split('/')[2]));
      assert.deepEqual(
        [...kinds].filter((k) => !['position', 'zone-state', 'status'].includes(k)),
        [],
      );
      assert.ok(kinds.has('position') && kinds.has('status'));
    });
  });

  describe('TLS (8883) and secure WebSocket (9001) with make-certs.sh certificates', () => {
    it('lets a Pi in over TLS when it checks the broker against the CA', async () => {
      const pi = await login(broker.mqttsUrl, 'pi-a', USERS['pi-a'], {
        ca: broker.ca,
        rejectUnauthorized: true,
      });
      open.push(pi);
      await pi.client.publishAsync(t('health', 'pi-a'), '{}', { qos: 1 });
    });

    it('fails the handshake without the CA, and for a host name the certificate does not name', async () => {
      await assert.rejects(
        login(broker.mqttsUrl, 'pi-a', USERS['pi-a'], { rejectUnauthorized: true }),
        /self[- ]signed|unable to (get|verify)/i,
      );
      await assert.rejects(
        login(broker.mqttsUrl, 'pi-a', USERS['pi-a'], {
          ca: broker.ca,
          rejectUnauthorized: true,
          servername: 'evil.test',
        }),
        /altnames|does not match|Hostname/i,
      );
    });

    it('refuses a wrong password over TLS too', async () => {
      const code = await refusal(
        login(broker.mqttsUrl, 'pi-a', 'nope', { ca: broker.ca, rejectUnauthorized: true }),
      );
      assert.ok(isLoginRefusal(code), String(code));
    });

    it('serves a phone over wss:// with the same ACL', async () => {
      const phone = await login(broker.wssUrl, 'phone', USERS.phone, {
        ca: broker.ca,
        rejectUnauthorized: true,
      });
      open.push(phone);
      assert.deepEqual(await phone.subscribe(t('alert', '#')), [1]);
      assert.equal(
        await refusal(phone.client.publishAsync(t('alert', 'rex'), 'x', { qos: 1 })),
        NOT_AUTHORIZED,
      );
      const hub = await as('hub');
      await hub.client.publishAsync(t('alert', 'rex'), 'over wss', { qos: 1 });
      await phone.next((m) => m.text === 'over wss');
    });
  });
});

describe('deploy: make-certs.sh', function () {
  this.timeout(30000);
  let dir: string;
  before(function () {
    requireBinary(this, 'openssl', 'openssl');
    dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-certs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const openssl = (...args: string[]): string => execFileSync('openssl', args, { encoding: 'utf8' });

  it('makes a CA, a server certificate for every host name and IP given, and client certificates', () => {
    makeCerts(dir, ['hub.local', 'hub', '10.42.0.1', 'fd00::1'], ['pi-yard-ne']);
    const server = openssl('x509', '-in', path.join(dir, 'server.crt'), '-noout', '-text');
    assert.match(server, /DNS:hub\.local, DNS:hub, IP Address:10\.42\.0\.1, IP Address:FD00:0:0:0:0:0:0:1/i);
    assert.match(server, /TLS Web Server Authentication/);
    const client = openssl(
      'x509',
      '-in',
      path.join(dir, 'pi-yard-ne.crt'),
      '-noout',
      '-subject',
      '-ext',
      'extendedKeyUsage',
    );
    assert.match(client, /CN ?= ?pi-yard-ne/);
    assert.match(client, /TLS Web Client Authentication/);
    for (const cert of ['server.crt', 'pi-yard-ne.crt']) {
      assert.match(openssl('verify', '-CAfile', path.join(dir, 'ca.crt'), path.join(dir, cert)), /OK/);
    }
  });

  it('keeps the CA on a second run, so certificates made earlier still verify', () => {
    const ca = readFileSync(path.join(dir, 'ca.crt'), 'utf8');
    const out = makeCerts(dir, ['hub.local'], ['pi-yard-sw']);
    assert.match(out, /using the existing CA/);
    assert.equal(readFileSync(path.join(dir, 'ca.crt'), 'utf8'), ca);
    assert.match(
      openssl('verify', '-CAfile', path.join(dir, 'ca.crt'), path.join(dir, 'pi-yard-ne.crt')),
      /OK/,
    );
  });

  it('refuses a client name that is not a plain file name', () => {
    assert.throws(() => makeCerts(dir, ['hub.local'], ['../escape']), /client name/);
  });
});

describe('deploy: adaptMosquittoConf', () => {
  it('moves every listener of the shipped file and fails on one it does not know', () => {
    const shipped = readFileSync(path.join(deployDir, 'mosquitto.conf'), 'utf8');
    const adapted = adaptMosquittoConf(shipped, '/tmp/x', { 1883: null, 8883: 1, 9001: 2 });
    assert.deepEqual(adapted.match(/^listener .*/gm), ['listener 1 127.0.0.1', 'listener 2 127.0.0.1']);
    assert.doesNotMatch(adapted, /\/etc\/mosquitto\/dogtracker/);
    assert.throws(() => adaptMosquittoConf(shipped, '/tmp/x', { 1883: null, 8883: 1 }), /listener on 9001/);
  });
});

// The two InfluxDB clients, checked on the wire. No InfluxDB 2.x or 3.x server can be installed here,
// so the real @influxdata/influxdb-client writes to a small local HTTP endpoint that records each
// request (path, query, token header, body) and answers as InfluxDB would. The 1.x client is checked
// the same way for what a plain 1.x server cannot show: basic auth and the retention policy.
import assert from 'node:assert/strict';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import influxWrite = require('../../nodes/influx-write/influx-write');
import trackerInflux = require('../../nodes/tracker-influx/tracker-influx');
import { connect } from '../../nodes/tracker-influx/connection';
import { outcomeOf } from '../../nodes/tracker-influx/sink';
import { helper, onTab, statusWhere } from '../support/flow';
import { position, reading } from './fixtures';

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** An HTTP endpoint that records each request and answers with the next scripted answer (then 204s). */
async function endpoint(): Promise<{
  url: string;
  requests: Recorded[];
  answers: Answer[];
  close: () => Promise<void>;
}> {
  const requests: Recorded[] = [];
  const answers: Answer[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      });
      const answer = answers.shift() ?? { status: 204 };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function until(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const READING_LINE =
  'rssi,dog=rex,mac=ac:23:3f:a3:80:4b,scanner=pi-yard-ne rssi=-71,txPower=-59,battery=94 1763800000123';

describe('InfluxDB connections on the wire', () => {
  let server: Awaited<ReturnType<typeof endpoint>>;
  beforeEach(async () => {
    server = await endpoint();
  });
  afterEach(() => server.close());

  describe('2.x / 3.x through @influxdata/influxdb-client', () => {
    const sink = (token = 'sekrit-token') =>
      connect({ version: '2', url: server.url, org: 'kennel', bucket: 'dogs' }, { token }).sink!;

    it('posts line protocol to /api/v2/write with org, bucket, ms precision and the token header', async () => {
      const outcome = await sink().write([READING_LINE, READING_LINE.replace('123', '124')]);
      assert.deepEqual(outcome, { kind: 'written' });
      assert.equal(server.requests.length, 1);
      const [request] = server.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/api/v2/write');
      assert.deepEqual(request.query, { org: 'kennel', bucket: 'dogs', precision: 'ms' });
      assert.equal(request.headers.authorization, 'Token sekrit-token');
      assert.match(String(request.headers['content-type']), /^text\/plain/);
      assert.equal(request.body, `${READING_LINE}\n${READING_LINE.replace('123', '124')}`);
    });

    it('turns each kind of answer into an outcome, without retrying by itself', async () => {
      server.answers.push(
        { status: 503, body: '{"code":"unavailable","message":"busy"}', headers: { 'retry-after': '7' } },
        {
          status: 422,
          body: '{"code":"unprocessable entity","message":"partial write: field type conflict dropped=1"}',
        },
        { status: 400, body: '{"code":"invalid","message":"unable to parse \'x\': missing fields"}' },
        { status: 401, body: '{"code":"unauthorized","message":"unauthorized access"}' },
      );
      const s = sink();
      assert.deepEqual(await s.write(['a f=1 1']), {
        kind: 'unavailable',
        reason: 'busy',
        status: 503,
        retryAfterMs: 7000,
      });
      assert.deepEqual(await s.write(['a f=1 1']), {
        kind: 'partial',
        dropped: 1,
        reason: 'partial write: field type conflict dropped=1',
        status: 422,
      });
      assert.deepEqual(await s.write(['a f=1 1']), {
        kind: 'rejected',
        reason: "unable to parse 'x': missing fields",
        status: 400,
      });
      assert.deepEqual(await s.write(['a f=1 1']), {
        kind: 'refused',
        reason: 'unauthorized access',
        status: 401,
      });
      assert.equal(server.requests.length, 4, 'the client made no retries of its own');
    });

    it('reports a server that does not answer as unavailable', async () => {
      await server.close();
      const outcome = await sink().write(['a f=1 1']);
      assert.equal(outcome.kind, 'unavailable');
      assert.match(outcome.kind === 'unavailable' ? outcome.reason : '', /ECONNREFUSED/);
    });
  });

  describe('1.x', () => {
    it('posts to /write with db, rp, ms precision and basic auth in a header, never in the URL', async () => {
      const { sink } = connect(
        { version: '1', url: server.url + '/influx/', database: 'dogs', retentionPolicy: 'a_year' },
        { username: 'hub', password: 'p@ss:word' },
      );
      assert.deepEqual(await sink!.write([READING_LINE]), { kind: 'written' });
      const [request] = server.requests;
      assert.equal(request.path, '/influx/write');
      assert.deepEqual(request.query, { db: 'dogs', rp: 'a_year', precision: 'ms' });
      assert.equal(request.headers.authorization, 'Basic ' + Buffer.from('hub:p@ss:word').toString('base64'));
      assert.equal(request.body, READING_LINE);
    });

    it('says what is wrong with an incomplete connection', () => {
      assert.deepEqual(connect({ version: '1', url: 'localhost:8086', database: 'x' }, {}), {
        problem: 'the InfluxDB URL must start with http:// or https:// (it is "localhost:8086")',
      });
      assert.deepEqual(connect({ version: '1', url: 'not a url' }, {}), {
        problem: 'the InfluxDB URL "not a url" is not a URL (e.g. http://127.0.0.1:8086)',
      });
      assert.deepEqual(connect({ version: '2', url: 'http://x' }, {}), {
        problem: 'no bucket set for InfluxDB 2.x / 3.x',
      });
    });
  });

  it('reads InfluxDB 1.x answers: partial writes count parse failures too; 404 is a refusal, 500 a retry', () => {
    assert.deepEqual(
      outcomeOf(400, "partial write: unable to parse 'm f= 5': missing field value dropped=0"),
      {
        kind: 'partial',
        dropped: 1,
        reason: "partial write: unable to parse 'm f= 5': missing field value dropped=0",
        status: 400,
      },
    );
    assert.deepEqual(outcomeOf(404, 'database not found: "dogs"'), {
      kind: 'refused',
      reason: 'database not found: "dogs"',
      status: 404,
    });
    assert.deepEqual(outcomeOf(500, 'timeout'), { kind: 'unavailable', reason: 'timeout', status: 500 });
  });

  describe('through the nodes', () => {
    let userDir: string;
    before(() => helper.startServer());
    after(() => helper.stopServer());
    beforeEach(() => {
      userDir = mkdtempSync(path.join(os.tmpdir(), 'influx-conn-user-'));
      helper.settings({ userDir });
    });
    afterEach(async () => {
      await helper.unload();
      rmSync(userDir, { recursive: true, force: true });
    });

    const flow = (retryMaxS = 0.05) =>
      onTab([
        {
          id: 'conn2',
          type: 'tracker-influx',
          name: 'cloud',
          version: '2',
          url: server.url,
          org: 'kennel',
          bucket: 'dogs',
        },
        {
          id: 'w2',
          type: 'influx-write',
          name: 'store',
          server: 'conn2',
          rawReadings: 'all',
          flushMs: 20,
          retryMinS: 0.02,
          retryMaxS,
          wires: [[]],
        },
      ]);

    it('writes through a 2.x connection with the token from the credentials, retrying after a 503', async () => {
      server.answers.push({ status: 503, body: '{"message":"starting up"}' });
      await helper.load([trackerInflux, influxWrite], flow(), { conn2: { token: 'from-credentials' } });
      const writer = helper.getNode('w2');
      writer.receive({ payload: [reading, position] });
      await until(() => server.requests.length === 2, 'a retry');
      const [first, second] = server.requests;
      assert.equal(second.headers.authorization, 'Token from-credentials');
      assert.equal(second.body, first.body);
      assert.equal(second.body.split('\n').length, 2);
      await statusWhere(writer, (s) => s.text === 'connected');
    });

    it('shows a red status and keeps the points when the server refuses the token', async () => {
      server.answers.push({ status: 401, body: '{"message":"unauthorized access"}' });
      // A refusal is retried after the longest delay: long enough here for the status to show it.
      await helper.load([trackerInflux, influxWrite], flow(1), { conn2: { token: 'wrong' } });
      const writer = helper.getNode('w2');
      writer.receive({ payload: reading });
      const status = await statusWhere(writer, (s) => s.fill === 'red');
      assert.deepEqual(status, {
        fill: 'red',
        shape: 'ring',
        text: 'error: unauthorized access (1 buffered)',
      });
      await until(() => server.requests.length === 2, 'the slow retry');
      await statusWhere(writer, (s) => s.text === 'connected');
    });
  });
});

// BatctlClient running a stand-in batctl that replays recorded outputs and errors with batctl's exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatctlClient } from '../../nodes/batman-health/batctl-client';
import * as f from './fixtures';

describe('BatctlClient (stand-in batctl)', () => {
  let dir: string;
  let fake: f.FakeBatctl;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'batctl-'));
    fake = new f.FakeBatctl(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const client = (command = fake.command, timeoutMs = 5000): BatctlClient =>
    new BatctlClient({ command, iface: 'bat0', timeoutMs });

  it('queries the JSON tables of the mesh interface and builds the mesh (BATMAN_IV)', async () => {
    fake.outputs(f.IV_JSON);
    const result = await client().sample();
    assert.ok(result.ok);
    assert.equal(result.mesh.algo, 'BATMAN_IV');
    assert.deepEqual(
      result.mesh.neighbors?.map((n) => [n.mac, n.tq]),
      [
        ['02:ab:46:46:28:95', 251],
        ['02:58:47:da:4e:aa', 87],
      ],
    );
    assert.equal(result.mesh.gateway, '02:95:39:46:28:95');
    assert.deepEqual(fake.calls().sort(), [
      'meshif bat0 gwj',
      'meshif bat0 mj',
      'meshif bat0 nj',
      'meshif bat0 oj',
    ]);
  });

  it('builds a BATMAN_V mesh with throughput', async () => {
    fake.outputs(f.V_JSON);
    const result = await client().sample();
    assert.ok(result.ok);
    assert.equal(result.mesh.algo, 'BATMAN_V');
    assert.equal(result.mesh.neighbors?.[1].throughputKbps, 16100);
  });

  it('falls back to the text tables of a batctl without JSON queries, and keeps using them', async () => {
    fake.outputs({ o: f.IV_O_TEXT, n: f.IV_N_TEXT, gwl: f.IV_GWL_TEXT });
    const c = client();
    const first = await c.sample();
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.mesh.neighbors?.length, 2);
    assert.equal(first.mesh.gateway, 'b8:27:eb:00:00:05');
    const callsAfterFirst = fake.calls().length;
    await c.sample();
    const second = fake.calls().slice(callsAfterFirst).sort();
    assert.deepEqual(second, ['meshif bat0 gwl', 'meshif bat0 n', 'meshif bat0 o']);
  });

  it('reads BATMAN_V text tables', async () => {
    fake.outputs({ o: f.V_O_TEXT, n: f.V_N_TEXT });
    const result = await client().sample();
    assert.ok(result.ok);
    assert.equal(result.mesh.algo, 'BATMAN_V');
    assert.deepEqual(result.mesh.neighbors, [
      { mac: 'b8:27:eb:00:00:02', lastSeenMs: 410, throughputKbps: 54000, iface: 'wlan0' },
    ]);
    assert.equal(result.mesh.gateway, undefined);
  });

  it('runs the command through a prefix such as sudo', async () => {
    fake.outputs(f.IV_JSON);
    // `sh <script>` stands in for `sudo -n batctl`: the first word runs the rest.
    const result = await client(`sh ${fake.command}`).sample();
    assert.ok(result.ok);
  });

  it('reports batctl not installed, not root, and no bat0 without trying other dialects', async () => {
    const missing = await client(path.join(dir, 'no-such-batctl')).sample();
    assert.deepEqual(missing.ok ? undefined : missing.problem.kind, 'missing');

    fake.outputs(f.IV_JSON).fail(f.NOT_ROOT_ERROR);
    const notRoot = await client().sample();
    assert.equal(notRoot.ok ? undefined : notRoot.problem.kind, 'not-root');
    assert.ok(
      fake.calls().every((c) => c.startsWith('meshif bat0 ') && c.endsWith('j')),
      fake.calls().join(),
    );

    fake.fail(f.NO_BAT0_ERROR);
    const noBat0 = await client().sample();
    assert.equal(noBat0.ok ? undefined : noBat0.problem.kind, 'no-interface');
    assert.match(noBat0.ok ? '' : noBat0.problem.message, /interface bat0 is not present/);
  });

  it('recovers when the state of the machine changes (bat0 comes up)', async () => {
    const c = client();
    fake.fail(f.NO_BAT0_ERROR);
    assert.equal((await c.sample()).ok, false);
    fake.outputs(f.IV_JSON);
    assert.equal((await c.sample()).ok, true);
  });

  it('times out a batctl that hangs and says so', async () => {
    const hang = path.join(dir, 'hang');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 30\n', { mode: 0o755 });
    const result = await client(hang, 200).sample();
    assert.equal(result.ok ? undefined : result.problem.kind, 'timeout');
  });

  it('reports output it does not understand, from every dialect', async () => {
    fake.outputs({ oj: 'garbage', o: 'more garbage' });
    const result = await client().sample();
    assert.equal(result.ok, false);
    assert.equal(result.ok ? undefined : result.problem.kind, 'unsupported');
  });
});

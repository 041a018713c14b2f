// Node-RED loads the package the way `npm start` runs it: the real runtime in a child process with
// dist/settings.js, a throw-away user directory, and the editor's own HTTP API queried for what a user sees.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './support/services';

const root = path.resolve(__dirname, '..', '..');
const MODULE = 'node-red-contrib-dog-tracker';

describe('Node-RED loads the package (npm start)', function () {
  this.timeout(60000);
  let child: ChildProcess;
  let userDir: string;
  let base: string;
  let log = '';

  before(async () => {
    userDir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-smoke-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      [require.resolve('node-red/red.js'), '--settings', path.join(root, 'dist', 'settings.js')],
      {
        env: {
          ...process.env,
          PORT: String(port),
          DOGTRACKER_USER_DIR: userDir,
          DOGTRACKER_CREDENTIAL_SECRET: 'test',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Started flows')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`Node-RED exited with ${code}:\n${log}`)));
    });
  });

  after(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(userDir, { recursive: true, force: true });
  });

  async function get(url: string, accept = 'application/json'): Promise<Response> {
    const res = await fetch(base + url, { headers: { Accept: accept } });
    assert.equal(res.status, 200, `GET ${url}: ${res.status}\n${log}`);
    return res;
  }

  it('registers every node of package.json under its contract type name, with no load errors', async () => {
    const sets = (await (await get('/nodes')).json()) as Array<{
      module: string;
      types: string[];
      err?: string;
      enabled: boolean;
    }>;
    const ours = sets.filter((s) => s.module === MODULE);
    const declared = Object.keys(
      JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))['node-red'].nodes,
    );
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), declared.sort());
    for (const set of ours) assert.equal(set.err, undefined, `${set.types}: ${set.err}`);
    assert.ok(ours.every((s) => s.enabled));
  });

  it('serves the editor definitions in the dog tracker category with help text', async () => {
    const html = await (await get('/nodes', 'text/html')).text();
    assert.match(html, /RED\.nodes\.registerType\('tracker-site'/);
    assert.match(html, /data-help-name="tracker-site"/);
  });

  it('serves the node icons', async () => {
    const res = await get(`/icons/${MODULE}/dog.svg`);
    assert.match(await res.text(), /^<svg/);
  });

  it('lists the examples under Import > Examples', async () => {
    const list = (await (await get(`/library/examples/flows/${MODULE}`)).json()) as Array<{ fn?: string }>;
    assert.ok(
      list.some((e) => e.fn === 'demo'),
      JSON.stringify(list),
    );
  });

  it('starts a fresh user directory with the demo flow and listens on loopback only without a login', async () => {
    assert.ok(existsSync(path.join(userDir, 'flows.json')));
    const flows = (await (await get('/flows')).json()) as Array<{ type: string }>;
    assert.ok(flows.some((n) => n.type === 'tracker-site'));
    assert.match(log, /Server now running at http:\/\/127\.0\.0\.1:/);
  });
});

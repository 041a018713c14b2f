// What a user gets from npm: the packed tarball installed into a fresh Node-RED user directory loads every
// node of the package, with its editor, icons and examples, in Node-RED run with its own default settings.
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import WebSocket from 'ws';
import { packageRoot, startNodeRed, type NodeRedRuntime } from './support/node-red-process';

const MODULE = 'node-red-contrib-dog-tracker';

describe('the npm package, installed into an existing Node-RED', function () {
  this.timeout(240000);
  let work: string;
  let tarball: string;
  let nodeRed: NodeRedRuntime | undefined;

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-package-'));
    const npm = (args: string[], cwd: string): string =>
      execFileSync('npm', args, {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, npm_config_loglevel: 'error' },
      });
    const packed = npm(['pack', '--ignore-scripts', '--pack-destination', work], packageRoot);
    tarball = path.join(work, packed.trim().split('\n').pop()!);
    const userDir = path.join(work, 'user');
    execFileSync('mkdir', ['-p', userDir]);
    writeFileSync(
      path.join(userDir, 'package.json'),
      JSON.stringify({ name: 'node-red-project', private: true }),
    );
    // A hub: no BLE, so noble (an optional dependency) is left out.
    npm(['install', '--omit=optional', '--no-audit', '--no-fund', tarball], userDir);
    // A beacon-scan in scan mode, as someone might drop one into a hub's flow: it must say what is missing.
    writeFileSync(
      path.join(userDir, 'flows.json'),
      JSON.stringify([
        { id: 'pkg-tab', type: 'tab', label: 'package' },
        { id: 'pkg-scan', type: 'beacon-scan', z: 'pkg-tab', mode: 'scan', scanner: 'pi-x', wires: [[]] },
      ]),
    );
    nodeRed = await startNodeRed({ name: 'package', userDir, defaultSettings: true, strict: false });
  });

  after(async () => {
    await nodeRed?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  async function get(url: string, accept = 'application/json'): Promise<Response> {
    const res = await fetch(nodeRed!.url + url, { headers: { Accept: accept } });
    assert.equal(res.status, 200, `GET ${url}: ${res.status}\n${nodeRed!.log()}`);
    return res;
  }

  it('registers every node type of package.json, without errors', async () => {
    const sets = (await (await get('/nodes')).json()) as Array<{
      module: string;
      types: string[];
      err?: string;
    }>;
    const ours = sets.filter((s) => s.module === MODULE);
    const declared = Object.keys(
      JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8'))['node-red'].nodes,
    );
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), declared.sort());
    for (const set of ours) assert.equal(set.err, undefined, `${set.types}: ${set.err}`);
  });

  it('installed without optional dependencies (a hub): no noble, and beacon-scan says so in its status', async () => {
    assert.throws(
      () => require.resolve('@abandonware/noble', { paths: [path.join(nodeRed!.userDir, 'node_modules')] }),
      /Cannot find module/,
    );
    // The editor's status of the node, as Node-RED's comms socket gives it to the browser (retained).
    const ws = new WebSocket(nodeRed!.url.replace(/^http/, 'ws') + '/comms');
    try {
      const status = await new Promise<{ fill?: string; text?: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no status for pkg-scan\n${nodeRed!.log()}`)), 30000);
        ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'status/#' })));
        ws.on('error', reject);
        ws.on('message', (data) => {
          const messages = JSON.parse(String(data)) as Array<{
            topic: string;
            data: { fill?: string; text?: string };
          }>;
          for (const m of [messages].flat()) {
            if (m.topic === 'status/pkg-scan' && /noble/.test(m.data.text ?? '')) {
              clearTimeout(timer);
              resolve(m.data);
            }
          }
        });
      });
      assert.equal(status.fill, 'red');
      assert.match(status.text ?? '', /^noble is not installed: .*npm install @abandonware\/noble/);
    } finally {
      ws.close();
    }
    assert.match(nodeRed!.log(), /beacon-scan on hci0: noble is not installed/);
  });

  it('serves the editor, help and icons in the dog tracker category, and the examples', async () => {
    const html = await (await get('/nodes', 'text/html')).text();
    assert.match(html, /category: 'dog tracker'/);
    assert.match(html, /data-help-name="beacon-scan"/);
    assert.match(await (await get(`/icons/${MODULE}/bluetooth.svg`)).text(), /^<svg/);
    const examples = (await (await get(`/library/examples/flows/${MODULE}`)).json()) as Array<{
      fn?: string;
    }>;
    assert.ok(
      examples.some((e) => e.fn === 'demo'),
      JSON.stringify(examples),
    );
  });

  it('ships the runtime, flows and deployment files, and no tests, benchmarks or build scripts', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const needed of [
      'package/dist/settings.js',
      'package/flows/hub.json',
      'package/docs/CONTRACT.md',
      'package/LICENSE',
    ]) {
      assert.ok(files.includes(needed), needed);
    }
    assert.deepEqual(
      files.filter((f) => /^package\/(dist\/(test|bench|scripts)|test|bench|scripts)\//.test(f)),
      [],
    );
  });
});

// The metrics route through real HTTP: registered once per app by every module that calls it (a hub
// with only tracker-site serves metrics too), and under a custom httpNodeRoot in a Node-RED child
// process running batman-health with a stand-in batctl.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { NodeAPI } from 'node-red';
import batmanHealth = require('../../nodes/batman-health/batman-health');
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { startNodeRed, type NodeRedRuntime } from '../support/node-red-process';
import { helper, onTab } from '../support/flow';
import * as f from './fixtures';

describe('metrics endpoint', () => {
  describe('in the test runtime', () => {
    let server: http.Server | undefined;
    before(() => helper.startServer());
    after(() => helper.stopServer());
    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });

    async function load(
      modules: Array<(RED: NodeAPI) => void>,
      flow: object[],
    ): Promise<{ app: unknown; base: string }> {
      let app: unknown;
      const probe = (RED: NodeAPI): void => {
        app = RED.httpNode;
      };
      await helper.load([...modules, probe], onTab(flow as never));
      server = http.createServer(app as http.RequestListener);
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      return { app, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }

    it('is served by a hub with only a tracker-site', async () => {
      const { base } = await load(
        [trackerSite],
        [{ id: 's', type: 'tracker-site', name: 'site', config: '{}' }],
      );
      const res = await fetch(`${base}/dogtracker/metrics`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /# HELP dogtracker_readings_total/);
    });

    it('is registered once on an app however many modules ask for it', async () => {
      const { app } = await load(
        [trackerSite, batmanHealth],
        [
          { id: 's', type: 'tracker-site', name: 'site', config: '{}' },
          { id: 'bh', type: 'batman-health', name: 'monitor', mode: 'monitor', wires: [[], []] },
        ],
      );
      const stack = (app as { _router: { stack: Array<{ route?: { path: string } }> } })._router.stack;
      assert.equal(stack.filter((l) => l.route?.path === '/dogtracker/metrics').length, 1);
    });
  });

  describe('in Node-RED (child process) with httpNodeRoot /api', function () {
    this.timeout(60000);
    let nodeRed: NodeRedRuntime;
    let userDir: string;

    before(async () => {
      userDir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-metrics-'));
      const fake = new f.FakeBatctl(path.join(userDir, 'batctl')).outputs(f.IV_JSON);
      writeFileSync(
        path.join(userDir, 'flows.json'),
        JSON.stringify([
          { id: 't', type: 'tab', label: 'pi' },
          { id: 'go', type: 'inject', z: 't', once: true, onceDelay: 0.1, repeat: '', wires: [['bh']] },
          {
            id: 'bh',
            type: 'batman-health',
            z: 't',
            name: 'pi health',
            nodeId: 'pi-child',
            batctl: fake.command,
            intervalS: 3600,
            wires: [['log'], []],
          },
          // Logs the health to stdout, so the test knows when the sample has been recorded.
          {
            id: 'log',
            type: 'debug',
            z: 't',
            name: 'sampled',
            active: true,
            tosidebar: false,
            console: true,
            complete: 'topic',
            wires: [],
          },
        ]),
      );
      nodeRed = await startNodeRed({
        name: 'metrics',
        userDir,
        env: { DOGTRACKER_HTTP_NODE_ROOT: '/api' },
        strict: false,
      });
    });

    after(async () => {
      await nodeRed?.dispose();
      rmSync(userDir, { recursive: true, force: true });
    });

    it('serves the Pi health and its mesh links as Prometheus text under the node root', async () => {
      // The inject fires once at start; the debug node logs the health topic when the sample is done.
      await nodeRed.waitForLog(/dogtracker\/v1\/health\/pi-child/);
      const base = nodeRed.url;
      const log = nodeRed.log();
      const res = await fetch(`${base}/api/dogtracker/metrics`);
      assert.equal(res.status, 200, log);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /\ndogtracker_node_up\{node="pi-child"\} 1\n/, log);
      assert.match(text, /\ndogtracker_mesh_link_tq\{node="pi-child",neighbor="02:ab:46:46:28:95"\} 251\n/);
      assert.match(text, /\ndogtracker_mesh_neighbors\{node="pi-child"\} 2\n/);
      assert.match(text, /\ndogtracker_mesh_gateway_present\{node="pi-child"\} 1\n/);
      assert.match(text, /\ndogtracker_node_memory_used_percent\{node="pi-child"\} [\d.]+\n/);
      assert.equal((await fetch(`${base}/dogtracker/metrics`)).status, 404); // only under httpNodeRoot
    });

    it('loads the editor definition and help of batman-health', async () => {
      const html = await (await fetch(`${nodeRed.url}/nodes`, { headers: { Accept: 'text/html' } })).text();
      assert.match(html, /RED\.nodes\.registerType\('batman-health'/);
      assert.match(html, /data-help-name="batman-health"/);
      assert.match(html, /data-template-name="batman-health"/);
    });
  });
});

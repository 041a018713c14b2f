// Node-RED loads the package the way `npm start` runs it: the real runtime in a child process with
// dist/settings.js, a throw-away user directory, and the editor's own HTTP API queried for what a user sees.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { packageRoot as root, startNodeRed, type NodeRedRuntime } from './support/node-red-process';
const MODULE = 'node-red-contrib-dog-tracker';

describe('Node-RED loads the package (npm start)', function () {
  this.timeout(60000);
  let nodeRed: NodeRedRuntime;

  before(async () => {
    // No flow given: a fresh user directory starts with the demo flow, as on a first `npm start`.
    nodeRed = await startNodeRed({ name: 'smoke', strict: false });
  });

  after(() => nodeRed?.dispose());

  async function get(url: string, accept = 'application/json'): Promise<Response> {
    const res = await fetch(nodeRed.url + url, { headers: { Accept: accept } });
    assert.equal(res.status, 200, `GET ${url}: ${res.status}\n${nodeRed.log()}`);
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
    assert.ok(existsSync(path.join(nodeRed.userDir, 'flows.json')));
    const flows = (await (await get('/flows')).json()) as Array<{ type: string }>;
    assert.ok(flows.some((n) => n.type === 'tracker-site'));
    assert.match(nodeRed.log(), /Server now running at http:\/\/127\.0\.0\.1:/);
  });
});

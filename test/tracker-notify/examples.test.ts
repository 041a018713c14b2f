// The two tracker-notify examples import and start in a fresh Node-RED: ntfy with core nodes only, e-mail
// with only node-red-node-email missing (the user installs it), and tracker-notify itself set up.
import assert from 'node:assert/strict';
import * as path from 'path';
import { packageRoot, startNodeRed, type NodeRedRuntime } from '../support/node-red-process';

describe('tracker-notify examples', function () {
  this.timeout(60000);
  let nodeRed: NodeRedRuntime | undefined;
  afterEach(async () => {
    await nodeRed?.dispose();
    nodeRed = undefined;
  });

  it('examples/tracker-notify-ntfy.json starts cleanly and serves the app', async () => {
    nodeRed = await startNodeRed({
      name: 'notify-ntfy',
      flow: path.join(packageRoot, 'examples/tracker-notify-ntfy.json'),
    });
    const page = await fetch(`${nodeRed.url}/dogtracker/api/notify/app/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>Dog tracker alerts<\/title>/);
    const sw = await fetch(`${nodeRed.url}/dogtracker/api/notify/sw.js`);
    assert.equal(sw.headers.get('service-worker-allowed'), '/dogtracker/');
    assert.match(await sw.text(), /notificationclick/);
    const manifest = (await (
      await fetch(`${nodeRed.url}/dogtracker/api/notify/manifest.webmanifest`)
    ).json()) as {
      start_url: string;
      scope: string;
    };
    assert.deepEqual([manifest.start_url, manifest.scope], ['/dogtracker/', '/dogtracker/']);
  });

  it('examples/tracker-notify-email.json imports with only the e-mail node missing', async () => {
    nodeRed = await startNodeRed({
      name: 'notify-email',
      flow: path.join(packageRoot, 'examples/tracker-notify-email.json'),
      strict: false,
    });
    await nodeRed.waitForLog(/ - e-mail \(provided by npm module node-red-node-email\)/);
    const missing = [...nodeRed.log().matchAll(/\[info\] {2}- (\S+) \(provided by/g)].map((m) => m[1]);
    assert.deepEqual(missing, ['e-mail']);
    assert.doesNotMatch(nodeRed.log(), /\[error\]/);
  });
});

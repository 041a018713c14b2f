// tracker-site on the real Node-RED runtime: loading, errors in the log, file reload, the editor's
// validation endpoint, and what a dependent node sees through linkSite.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import type { TrackerSiteNode } from '../../nodes/tracker-site/tracker-site-node';
import { linkSite, type SiteLink } from '../../nodes/common/site-link';
import type { SiteView } from '../../nodes/kernel/site-view';
import { helper, nextError, onTab, statusWhere, type FlowNode } from '../support/flow';
import { CONTRACT_SITE, siteText } from './fixtures';

interface ProbeNode extends Node {
  link: SiteLink;
  sites: SiteView[];
}

/** A stand-in for a dependent node: it links to the site and records every site it is given. */
function probeNode(RED: NodeAPI): void {
  RED.nodes.registerType('site-probe', function (this: ProbeNode, def: NodeDef & { site: string }) {
    RED.nodes.createNode(this, def);
    this.sites = [];
    this.link = linkSite(RED, this, def.site, (view) => {
      this.sites.push(view);
      this.status({ fill: 'green', shape: 'dot', text: view.name });
    });
  });
}

function siteNode(config: string, extra: Record<string, unknown> = {}): FlowNode {
  return { id: 'site1', type: 'tracker-site', name: 'the site', config, ...extra };
}

describe('tracker-site node', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('gives dependent nodes a typed view of an inline site', async () => {
    await helper.load(
      [trackerSite, probeNode],
      onTab([siteNode(siteText()), { id: 'p1', type: 'site-probe', site: 'site1' }]),
    );
    const site = helper.getNode('site1') as TrackerSiteNode;
    const probe = helper.getNode('p1') as ProbeNode;
    assert.equal(site.problem, undefined);
    assert.equal(site.view?.dogByBeacon('ac:23:3f:a3:80:4b')?.id, 'rex');
    assert.equal(probe.link.view?.name, 'Home');
    assert.deepEqual(
      probe.sites.map((s) => s.name),
      ['Home'],
    );
  });

  it('logs each problem of an invalid site, naming the field, and dependents show a red status', async () => {
    const bad = JSON.stringify({ scanners: [{ id: 's', x: 'ten', y: 0 }], dogs: [] });
    const flow = onTab([siteNode(bad), { id: 'p1', type: 'site-probe', site: 'site1' }]);
    await helper.load([trackerSite, probeNode], flow);
    const site = helper.getNode('site1') as TrackerSiteNode;
    assert.equal(site.view, undefined);
    assert.equal(site.problem, 'invalid site: scanners[0].x must be a number');
    const logged = (site as unknown as { error: { args: unknown[][] } }).error.args.map((a) => String(a[0]));
    assert.deepEqual(logged, ['site: invalid site: scanners[0].x must be a number']);
    const probe = helper.getNode('p1') as ProbeNode;
    assert.equal(probe.link.view, undefined);
    assert.match(probe.link.problem, /scanners\[0\]\.x must be a number/);
    const status = (probe as unknown as { status: { args: unknown[][] } }).status.args.map((a) => a[0]);
    assert.deepEqual(status, [{ fill: 'red', shape: 'ring', text: 'site invalid or loading' }]);
  });

  it('tells a node with no site configured what to do', async () => {
    await helper.load([trackerSite, probeNode], onTab([{ id: 'p1', type: 'site-probe', site: '' }]));
    const probe = helper.getNode('p1') as ProbeNode;
    assert.match(probe.link.problem, /no tracker-site configured/);
  });

  describe('from a file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'site-file-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('loads the file, reloads it when it is replaced, and keeps the good site when the new one is broken', async () => {
      const file = path.join(dir, 'site.json');
      writeFileSync(file, siteText({ name: 'First' }));
      await helper.load(
        [trackerSite, probeNode],
        onTab([
          siteNode('', { source: 'file', path: file }),
          { id: 'p1', type: 'site-probe', site: 'site1' },
        ]),
      );
      const probe = helper.getNode('p1') as ProbeNode;
      const site = helper.getNode('site1') as TrackerSiteNode;
      await statusWhere(probe, (s) => s.text === 'First');

      // Editors save by writing a temporary file and renaming it over the old one.
      writeFileSync(path.join(dir, 'site.json.tmp'), siteText({ name: 'Second' }));
      renameSync(path.join(dir, 'site.json.tmp'), file);
      await statusWhere(probe, (s) => s.text === 'Second');

      const error = nextError(site);
      writeFileSync(file, '{"scanners": [], "dogs": [{"id": "rex"}]}');
      assert.match(String(await error), /dogs\[0\]\.beacon is required/);
      assert.equal(site.view?.name, 'Second');
      assert.deepEqual(
        probe.sites.map((s) => s.name),
        ['First', 'Second'],
      );
    });

    it('refuses hostile sites (1e21 m, 1e154 m, 200 000 vertices) naming the field, keeps the good one, never blocks', async () => {
      const file = path.join(dir, 'site.json');
      writeFileSync(file, siteText({ name: 'Good' }));
      await helper.load(
        [trackerSite, probeNode],
        onTab([
          siteNode('', { source: 'file', path: file }),
          { id: 'p1', type: 'site-probe', site: 'site1' },
        ]),
      );
      const probe = helper.getNode('p1') as ProbeNode;
      const site = helper.getNode('site1') as TrackerSiteNode;
      await statusWhere(probe, (s) => s.text === 'Good');
      const doc = (): typeof CONTRACT_SITE => structuredClone(CONTRACT_SITE);
      const far = doc();
      far.scanners[1].x = 1e21;
      const huge = doc();
      huge.zones[1].circle!.x = 1e154;
      const dense = doc();
      dense.zones[0].polygon = Array.from({ length: 200_000 }, (_, i) => [i % 7, (i * 3) % 11]);
      const hostile: Array<[Record<string, unknown>, string]> = [
        [far, 'site.json: invalid site: scanners[1].x must be between -100000 and 100000, not 1e+21'],
        [huge, 'site.json: invalid site: zones[1].circle.x must be between -100000 and 100000, not 1e+154'],
        [dense, 'site.json: invalid site: zones[0].polygon has 200000 vertices; at most 1000'],
      ];
      for (const [bad, expected] of hostile) {
        const text = JSON.stringify(bad);
        const delay = monitorEventLoopDelay({ resolution: 5 });
        const error = nextError(site);
        delay.enable();
        writeFileSync(file, text);
        const logged = String(await error);
        delay.disable();
        assert.equal(logged.slice(logged.indexOf('site.json')), expected);
        assert.equal(site.view?.name, 'Good', 'the good site is kept');
        const maxMs = delay.max / 1e6;
        console.log(
          `      ${(text.length / 1e6).toFixed(2)} MB refused; event loop delay at most ${maxMs.toFixed(1)} ms`,
        );
        assert.ok(maxMs < 50, `the event loop was blocked ${maxMs} ms`);
      }
      assert.deepEqual(
        probe.sites.map((s) => s.name),
        ['Good'],
      );
    });

    it('says which file it cannot read', async () => {
      const missing = path.join(dir, 'nope.json');
      await helper.load([trackerSite], onTab([siteNode('', { source: 'file', path: missing })]));
      const site = helper.getNode('site1') as TrackerSiteNode;
      const error = String(await nextError(site));
      assert.match(
        error,
        new RegExp(`cannot read site file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*ENOENT`),
      );
      assert.equal(site.view, undefined);
    });
  });

  describe('editor validation endpoint', () => {
    beforeEach(() => helper.load([trackerSite], onTab([siteNode(siteText())])));

    it('validates typed-in JSON', async () => {
      const good = await helper
        .request()
        .post('/dogtracker/site/validate')
        .send({ config: siteText() })
        .expect(200);
      assert.deepEqual(good.body, { ok: true, errors: [], warnings: [] });
      const bad = await helper
        .request()
        .post('/dogtracker/site/validate')
        .send({ config: JSON.stringify({ scanners: [], dogs: [{ id: 'rex', beacon: 'zz' }] }) })
        .expect(200);
      assert.equal(bad.body.ok, false);
      assert.match(bad.body.errors[0], /^dogs\[0\]\.beacon must be a MAC address/);
    });

    it('reads and validates a site file in the folder of DOGTRACKER_SITE_FILE, returning its text for the editor', async () => {
      const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'site-file-')));
      const before = process.env.DOGTRACKER_SITE_FILE;
      process.env.DOGTRACKER_SITE_FILE = path.join(dir, 'site.json');
      try {
        const file = path.join(dir, 'site.json');
        writeFileSync(file, siteText());
        const res = await helper.request().post('/dogtracker/site/validate').send({ path: file }).expect(200);
        assert.equal(res.body.ok, true);
        assert.equal(res.body.config, siteText());
        const missing = await helper
          .request()
          .post('/dogtracker/site/validate')
          .send({ path: path.join(dir, 'x.json') });
        assert.equal(missing.body.ok, false);
        assert.match(missing.body.errors[0], /^cannot read .*x\.json: ENOENT/);
        const outside = await helper
          .request()
          .post('/dogtracker/site/validate')
          .send({ path: '/etc/passwd' });
        assert.deepEqual(outside.body.ok, false);
        assert.equal(outside.body.config, undefined);
      } finally {
        if (before === undefined) delete process.env.DOGTRACKER_SITE_FILE;
        else process.env.DOGTRACKER_SITE_FILE = before;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

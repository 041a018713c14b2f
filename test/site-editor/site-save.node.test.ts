// The Plan editor's admin routes on the real Node-RED runtime: saving a file site (atomic, one backup,
// only the file a deployed tracker-site reads, only a valid document), the live reload that follows,
// plan checks with field-level problems, coverage and the next-scanner suggestion, the editor's files.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import trackerSite = require('../../nodes/tracker-site/tracker-site');
import { linkSite } from '../../nodes/common/site-link';
import { helper, onTab, statusWhere } from '../support/flow';
import { CONTRACT_SITE, siteText } from '../tracker-site/fixtures';

function probeNode(RED: NodeAPI): void {
  RED.nodes.registerType('site-probe', function (this: Node, def: NodeDef & { site: string }) {
    RED.nodes.createNode(this, def);
    linkSite(RED, this, def.site, (view) => this.status({ fill: 'green', shape: 'dot', text: view.name }));
  });
}

describe('site editor admin routes', () => {
  let dir: string;
  let file: string;
  before(() => helper.startServer());
  after(() => helper.stopServer());
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-save-'));
    file = path.join(dir, 'site.json');
    writeFileSync(file, siteText({ name: 'First' }));
    await helper.load(
      [trackerSite, probeNode],
      onTab([
        { id: 'site1', type: 'tracker-site', name: 'the site', source: 'file', path: file, config: '' },
        { id: 'p1', type: 'site-probe', site: 'site1' },
      ]),
    );
    await statusWhere(helper.getNode('p1'), (s) => s.text === 'First');
  });
  afterEach(async () => {
    await helper.unload();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves a valid site atomically, keeps the previous one as .bak, and the nodes take it live', async () => {
    const text = siteText({ name: 'Second' });
    const res = await helper
      .request()
      .post('/dogtracker/site/save')
      .send({ path: file, config: text })
      .expect(200);
    assert.equal(res.body.ok, true);
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.equal(readFileSync(`${file}.bak`, 'utf8'), siteText({ name: 'First' }));
    // No temporary file is left behind.
    assert.deepEqual(readdirSync(dir).sort(), ['site.json', 'site.json.bak']);
    await statusWhere(helper.getNode('p1'), (s) => s.text === 'Second');
    // A second save replaces the backup: one .bak, the last version.
    await helper
      .request()
      .post('/dogtracker/site/save')
      .send({ path: file, config: siteText({ name: 'Third' }) });
    assert.equal(JSON.parse(readFileSync(`${file}.bak`, 'utf8')).name, 'Second');
  });

  it('refuses an invalid site with field-level problems and leaves the file alone', async () => {
    const crossing = {
      ...CONTRACT_SITE,
      zones: [
        {
          id: 'bow',
          kind: 'safe',
          polygon: [
            [0, 0],
            [10, 10],
            [10, 0],
            [0, 6],
          ],
        },
      ],
    };
    const res = await helper
      .request()
      .post('/dogtracker/site/save')
      .send({ path: file, config: JSON.stringify(crossing) })
      .expect(422);
    assert.equal(res.body.ok, false);
    assert.deepEqual(res.body.problems, [
      {
        level: 'error',
        list: 'zones',
        index: 0,
        message: 'zones[0].polygon crosses itself at vertex 0 (edge 0–1 meets edge 2–3)',
      },
    ]);
    const dup = { ...CONTRACT_SITE, scanners: [CONTRACT_SITE.scanners[0], CONTRACT_SITE.scanners[0]] };
    const res2 = await helper
      .request()
      .post('/dogtracker/site/save')
      .send({ path: file, config: JSON.stringify(dup) })
      .expect(422);
    assert.match(res2.body.errors.join('\n'), /scanners\[1\]\.id "pi-yard-ne" repeats scanners\[0\]\.id/);
    assert.equal(readFileSync(file, 'utf8'), siteText({ name: 'First' }));
    assert.equal(existsSync(`${file}.bak`), false);
  });

  it('writes no file that no deployed tracker-site reads', async () => {
    const other = path.join(dir, 'other.json');
    const res = await helper
      .request()
      .post('/dogtracker/site/save')
      .send({ path: other, config: siteText() })
      .expect(403);
    assert.equal(res.body.ok, false);
    assert.equal(existsSync(other), false);
    await helper.request().post('/dogtracker/site/plan-file').send({ path: '/etc/passwd' }).expect(403);
    const read = await helper.request().post('/dogtracker/site/plan-file').send({ path: file }).expect(200);
    assert.equal(read.body.config, siteText({ name: 'First' }));
  });

  it("checks a plan: a zone out of every scanner's reach is a warning; coverage and a suggestion come back", async () => {
    const far = { ...CONTRACT_SITE, zones: [{ id: 'moon', kind: 'info', circle: { x: 900, y: 900, r: 5 } }] };
    const res = await helper
      .request()
      .post('/dogtracker/site/plan-check')
      .send({ config: JSON.stringify(far) })
      .expect(200);
    assert.equal(res.body.ok, true);
    assert.deepEqual(
      res.body.problems.filter((p: { list?: string }) => p.list === 'zones'),
      [
        {
          level: 'warning',
          list: 'zones',
          index: 0,
          message: 'zones[0] "moon" is outside every scanner\'s reach: no position can be computed there',
        },
      ],
    );
    const cov = await helper
      .request()
      .post('/dogtracker/site/plan-check')
      .send({ config: siteText(), coverage: true, suggest: true })
      .expect(200);
    const grid = cov.body.coverage as { cols: number; rows: number; accuracyM: number[]; worstM: number };
    assert.equal(grid.accuracyM.length, grid.cols * grid.rows);
    assert.ok(grid.accuracyM.every((r) => Number.isFinite(r) && r > 0));
    assert.ok(cov.body.suggestion.forWorst.worstM <= grid.worstM);
  });

  it('serves the editor and its libraries', async () => {
    for (const name of [
      'site-editor.js',
      'site-editor.css',
      'leaflet.js',
      'leaflet.css',
      'geoman.js',
      'geoman.css',
    ])
      await helper.request().get(`/dogtracker/site-editor/${name}`).expect(200);
    await helper.request().get('/dogtracker/site-editor/..%2Fsite-save.js').expect(404);
    const heard = await helper.request().get('/dogtracker/site/heard').expect(200);
    assert.ok(Array.isArray(heard.body.beacons));
  });
});

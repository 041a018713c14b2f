// The app's save of a site: a file site is written and the reply names no path on the hub; an inline site
// is refused (the editor's next deploy would undo it) with the way out: switch to a file site.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { INLINE_REFUSED, saveSiteText } from '../../nodes/tracker-site/site-admin';
import type { TrackerSiteNode } from '../../nodes/tracker-site/tracker-site-node';

const TEXT = JSON.stringify({
  name: 'Yard',
  scanners: [
    { id: 'a', x: 0, y: 0 },
    { id: 'b', x: 10, y: 0 },
    { id: 'c', x: 5, y: 10 },
  ],
  dogs: [],
  zones: [],
});

function fakeSite(origin: TrackerSiteNode['origin']): TrackerSiteNode & { replaced: number } {
  const site = {
    origin,
    replaced: 0,
    error: () => undefined,
    replaceInline: () => {
      site.replaced++;
      return { ok: true, errors: [], warnings: [] };
    },
  };
  return site as unknown as TrackerSiteNode & { replaced: number };
}

describe('site admin save', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'site-admin-save-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a file site and tells the phone "ok" without the file path', async () => {
    const file = path.join(dir, 'site.json');
    const reply = await saveSiteText(fakeSite({ kind: 'file', file }), TEXT);
    assert.equal(reply.status, 200);
    assert.equal(readFileSync(file, 'utf8'), TEXT);
    assert.equal((reply.body as { ok: boolean }).ok, true);
    assert.ok(!JSON.stringify(reply.body).includes(dir), JSON.stringify(reply.body));
  });

  it('refuses an inline site, saying to switch to a file site, and changes nothing', async () => {
    const site = fakeSite({ kind: 'inline' });
    const reply = await saveSiteText(site, TEXT);
    assert.equal(reply.status, 409);
    assert.deepEqual((reply.body as { errors: string[] }).errors, [INLINE_REFUSED]);
    assert.match(INLINE_REFUSED, /deploy .* would undo/);
    assert.match(INLINE_REFUSED, /"Site from" to a file/);
    assert.equal(site.replaced, 0);
  });
});

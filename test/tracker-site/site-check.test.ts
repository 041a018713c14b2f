// The site check's path policy and file replies (pure, on a real file system with symlinks). The route on
// a real Node-RED with logins is tested in test/deploy/security.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  checkFileText,
  checkSitePath,
  MAX_SITE_FILE_BYTES,
  readCapped,
  type SitePathContext,
} from '../../nodes/tracker-site/site-check';
import { siteText } from './fixtures';

describe('site check', () => {
  let dir: string;
  let userDir: string;
  let etc: string;
  let ctx: SitePathContext;
  const check = (p: unknown, c: SitePathContext = ctx) => checkSitePath(p, c, realpathSync);

  beforeEach(() => {
    dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'site-check-')));
    userDir = path.join(dir, 'user');
    etc = path.join(dir, 'etc-dogtracker');
    mkdirSync(userDir);
    mkdirSync(etc);
    ctx = { userDir, flowFile: 'flows.json' };
    for (const f of ['site.json', 'flows.json', 'flows_cred.json', '.config.runtime.json', 'my_creds.json'])
      writeFileSync(path.join(userDir, f), siteText());
    writeFileSync(path.join(userDir, 'notes.txt'), 'x');
    writeFileSync(path.join(etc, 'site.json'), siteText());
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a .json file in the user directory, relative or absolute', () => {
    assert.deepEqual(check('site.json'), {
      ok: true,
      file: path.join(userDir, 'site.json'),
      roots: [userDir],
    });
    assert.equal(check(path.join(userDir, 'site.json')).ok, true);
  });

  it('refuses absolute paths elsewhere and .. escapes, without looking at the disk', () => {
    const seen: string[] = [];
    const spy = (p: string): string => {
      seen.push(p);
      return realpathSync(p);
    };
    for (const p of [
      '/etc/passwd',
      '/etc/default/dogtracker',
      '../etc-dogtracker/site.json',
      'a/../../x.json',
    ]) {
      const d = checkSitePath(p, ctx, spy);
      assert.equal(d.ok, false, p);
    }
    assert.deepEqual(seen, []);
    assert.match(
      String((check('/etc/passwd') as { problem: string }).problem),
      /only \.json files in the Node-RED user directory/,
    );
    assert.match(String((check('../x.json') as { problem: string }).problem), /may not contain '\.\.'/);
  });

  it("refuses Node-RED's own files inside the user directory", () => {
    for (const [p, why] of [
      ['flows.json', /flow files/],
      ['flows_cred.json', /credentials|flow files/],
      ['.config.runtime.json', /hidden/],
      ['my_creds.json', /credentials/],
      ['notes.txt', /\.json/],
      ['node_modules/x/package.json', /node_modules/],
    ] as const) {
      const d = check(p);
      assert.equal(d.ok, false, p);
      assert.match((d as { problem: string }).problem, why, p);
    }
    // A custom flow file name is refused too.
    writeFileSync(path.join(userDir, 'hub.json'), '{}');
    assert.equal(check('hub.json', { ...ctx, flowFile: 'hub.json' }).ok, false);
  });

  it('resolves symlinks: a site.json pointing outside, or at the credentials, is refused', () => {
    symlinkSync('/etc/passwd', path.join(userDir, 'passwd.json'));
    symlinkSync(path.join(userDir, 'flows_cred.json'), path.join(userDir, 'innocent.json'));
    symlinkSync(etc, path.join(userDir, 'linked'));
    assert.match((check('passwd.json') as { problem: string }).problem, /only \.json files/);
    assert.match((check('innocent.json') as { problem: string }).problem, /credentials|flow files/);
    assert.equal(check('linked/site.json').ok, false);
  });

  it('reads the folder of DOGTRACKER_SITE_FILE as well, and only that folder', () => {
    const withSite = { ...ctx, siteFile: path.join(etc, 'site.json') };
    assert.equal(check(path.join(etc, 'site.json')).ok, false);
    assert.equal(check(path.join(etc, 'site.json'), withSite).ok, true);
    assert.equal(check(path.join(dir, 'other.json'), withSite).ok, false);
  });

  it('never returns the text of a file that is not a valid site document', () => {
    const secret = 'root:x:0:0:root:/root:/bin/bash\nMQTT_PASSWORD=hunter2';
    const notJson = checkFileText(secret, '/f');
    assert.deepEqual(notJson, {
      ok: false,
      file: '/f',
      errors: ['not a valid site document: the file is not JSON'],
      warnings: [],
    });
    const otherJson = checkFileText(
      JSON.stringify({ mqtt: { password: 'hunter2', user: 'hub' }, scanners: 'x'.repeat(500) }),
      '/f',
    );
    assert.equal(otherJson.ok, false);
    assert.equal(otherJson.config, undefined);
    assert.equal(otherJson.errors[0], 'not a valid site document');
    assert.ok(otherJson.errors.length <= 7);
    assert.doesNotMatch(JSON.stringify(otherJson), /hunter2/);
    assert.ok(JSON.stringify(otherJson).length < 1000, JSON.stringify(otherJson));
    const good = checkFileText(siteText(), '/f');
    assert.equal(good.ok, true);
    assert.equal(good.config, siteText());
  });

  it('caps the size it reads', async () => {
    const big = path.join(userDir, 'big.json');
    writeFileSync(big, ' '.repeat(MAX_SITE_FILE_BYTES + 1));
    await assert.rejects(readCapped(big), /too large for a site document/);
    assert.equal(await readCapped(path.join(userDir, 'site.json')), siteText());
  });
});

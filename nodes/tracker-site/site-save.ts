// The Plan editor's admin routes (behind Node-RED's admin auth): its browser files, checking a plan
// (validation, field-level problems, coverage and the next-scanner suggestion), beacons heard now, and
// reading and saving a file site. Saving needs tracker-site.write and only writes a file that a deployed
// tracker-site node is configured to read; it writes atomically (temp file + rename) and keeps one .bak.
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { NodeAPI } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { coverage, suggestScannerSteps, type NextScanner } from '../kernel/coverage';
import type { Site } from '../kernel/site-document';
import { heardNow } from '../common/heard-beacons';
import { checkPlan, SENSITIVITY_DBM } from './site-plan-checks';

/** A site document larger than this (an embedded backdrop image, mostly) is refused. */
export const MAX_SITE_BYTES = 3_000_000;
/** Work per event-loop turn when suggesting a scanner, ms. */
const SLICE_MS = 8;

const WEB_DIR = path.join(__dirname, 'web');

/** Browser files by the name the editor asks for. */
export function assetTable(): Map<string, string> {
  const leaflet = path.dirname(require.resolve('leaflet/dist/leaflet.js'));
  // The package exports only its main file and CSS: its folder is the main file's.
  const geoman = path.dirname(require.resolve('@geoman-io/leaflet-geoman-free'));
  return new Map([
    ['site-editor.js', path.join(WEB_DIR, 'site-editor.js')],
    ['site-editor.css', path.join(WEB_DIR, 'site-editor.css')],
    ['leaflet.js', path.join(leaflet, 'leaflet.js')],
    ['leaflet.css', path.join(leaflet, 'leaflet.css')],
    ['geoman.js', path.join(geoman, 'leaflet-geoman.min.js')],
    ['geoman.css', path.join(geoman, 'leaflet-geoman.css')],
  ]);
}

/** Writes `text` to `file` so a reader sees the old or the new document, never half of one. */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.copyFile(file, `${file}.bak`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Runs the suggestion a slice at a time so the runtime keeps serving other work meanwhile. */
export function suggestInSlices(site: Site): Promise<NextScanner> {
  const steps = suggestScannerSteps(site, { sensitivityDbm: SENSITIVITY_DBM });
  return new Promise((resolve, reject) => {
    const slice = (): void => {
      try {
        const until = performance.now() + SLICE_MS;
        while (performance.now() < until) {
          const step = steps.next();
          if (step.done) return resolve(step.value);
        }
        setImmediate(slice);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(errorMessage(err)));
      }
    };
    slice();
  });
}

export function registerSiteEditor(RED: NodeAPI, resolvePath: (p: string) => string): void {
  // A missing browser library must not stop the config node from loading: the Plan then says why.
  let assets = new Map<string, string>();
  try {
    assets = assetTable();
  } catch (err) {
    RED.log.warn(`tracker-site: the Plan editor's files are missing (${errorMessage(err)})`);
  }
  const read = RED.auth.needsPermission('tracker-site.read');
  const write = RED.auth.needsPermission('tracker-site.write');

  /** The files deployed tracker-site nodes read; only these may be read or written from the editor. */
  const siteFiles = (): Set<string> => {
    const files = new Set<string>();
    RED.nodes.eachNode((n) => {
      const def = n as { type: string; source?: unknown; path?: unknown };
      if (def.type === 'tracker-site' && def.source === 'file' && typeof def.path === 'string' && def.path)
        files.add(resolvePath(def.path));
    });
    return files;
  };
  const allowedFile = (p: unknown): string | undefined => {
    if (typeof p !== 'string' || p.length === 0) return undefined;
    const file = resolvePath(p);
    return siteFiles().has(file) ? file : undefined;
  };

  RED.httpAdmin.get('/dogtracker/site-editor/:file', read, (req, res) => {
    const file = assets.get(String(req.params.file));
    if (!file) {
      res.sendStatus(404);
      return;
    }
    res.sendFile(file, { maxAge: '1h' }, (err) => {
      if (err && !res.headersSent) res.sendStatus(404);
    });
  });

  RED.httpAdmin.post('/dogtracker/site/plan-check', read, (req, res) => {
    const body = (req.body ?? {}) as { config?: unknown; coverage?: unknown; suggest?: unknown };
    const text = typeof body.config === 'string' ? body.config : '';
    if (text.length > MAX_SITE_BYTES) {
      res.json({
        ok: false,
        errors: [`site is larger than ${MAX_SITE_BYTES} bytes`],
        warnings: [],
        problems: [],
      });
      return;
    }
    const { site, ...check } = checkPlan(text);
    const reply: Record<string, unknown> = { ...check };
    if (site && body.coverage === true) reply.coverage = coverage(site, { sensitivityDbm: SENSITIVITY_DBM });
    if (site && body.suggest === true) {
      suggestInSlices(site).then(
        (next) => res.json({ ...reply, suggestion: next }),
        (err: unknown) => res.status(500).json({ ...reply, errors: [errorMessage(err)] }),
      );
    } else res.json(reply);
  });

  RED.httpAdmin.get('/dogtracker/site/heard', read, (_req, res) => {
    res.json({ beacons: heardNow() });
  });

  RED.httpAdmin.post('/dogtracker/site/plan-file', read, (req, res) => {
    const body = (req.body ?? {}) as { path?: unknown };
    const file = allowedFile(body.path);
    if (!file) {
      res.status(403).json({ error: 'not the file of a deployed tracker-site node: deploy it first' });
      return;
    }
    fs.readFile(file, 'utf8').then(
      (config) => res.json({ file, config }),
      (err: unknown) => res.status(404).json({ file, error: `cannot read ${file}: ${errorMessage(err)}` }),
    );
  });

  RED.httpAdmin.post('/dogtracker/site/save', write, (req, res) => {
    const body = (req.body ?? {}) as { path?: unknown; config?: unknown };
    const file = allowedFile(body.path);
    if (!file) {
      res
        .status(403)
        .json({ ok: false, errors: ['not the file of a deployed tracker-site node: deploy it first'] });
      return;
    }
    const text = typeof body.config === 'string' ? body.config : '';
    if (text.length > MAX_SITE_BYTES) {
      res.status(413).json({ ok: false, errors: [`site is larger than ${MAX_SITE_BYTES} bytes`] });
      return;
    }
    const check = checkPlan(text);
    if (!check.ok) {
      res
        .status(422)
        .json({ ok: false, errors: check.errors, warnings: check.warnings, problems: check.problems });
      return;
    }
    writeAtomically(file, text).then(
      () => res.json({ ok: true, file, errors: [], warnings: check.warnings, problems: check.problems }),
      (err: unknown) =>
        res.status(500).json({ ok: false, file, errors: [`cannot write ${file}: ${errorMessage(err)}`] }),
    );
  });
}

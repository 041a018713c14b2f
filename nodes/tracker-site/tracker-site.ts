// tracker-site: the config node that holds the site document (inline JSON or a file on the host).
import { promises as fs, watch, type FSWatcher } from 'fs';
import * as path from 'path';
import type { NodeAPI, NodeDef } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { serveMetrics } from '../common/metrics-route';
import { registerSiteCheck } from './site-check';
import { registerSiteAdmin } from './site-admin';
import { registerSiteEditor } from './site-save';
import { SiteSource } from './site-source';
import type { TrackerSiteNode } from './tracker-site-node';

interface TrackerSiteDef extends NodeDef {
  /** The site document as JSON text (used when source is `inline`). */
  config: string;
  source?: 'inline' | 'file';
  /** Path of a JSON file on the Node-RED host (used when source is `file`); relative to the user directory. */
  path?: string;
}

const FILE_RELOAD_DEBOUNCE_MS = 200;

export = (RED: NodeAPI): void => {
  // A hub serves its metrics even when it has no batman-health node.
  serveMetrics(RED);

  function resolvePath(p: string): string {
    const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
    return path.resolve(userDir, p);
  }

  function TrackerSite(this: TrackerSiteNode, def: TrackerSiteDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const source = new SiteSource();
    let watcher: FSWatcher | undefined;
    let reloadTimer: NodeJS.Timeout | undefined;
    let closed = false;

    const origin: TrackerSiteNode['origin'] =
      def.source === 'file' ? { kind: 'file', file: resolvePath(def.path ?? '') } : { kind: 'inline' };
    Object.defineProperties(node, {
      view: { get: () => source.current },
      problem: { get: () => source.problem },
      text: { get: () => source.text },
      origin: { value: origin },
    });
    node.replaceInline = (text) => {
      if (origin.kind !== 'inline')
        return { ok: false, errors: ['this site is a file: write the file'], warnings: [] };
      const result = source.update(text);
      if (result.ok) node.log('site changed from the admin screen (kept until the next deploy)');
      return result;
    };
    node.subscribe = (listener) => source.subscribe(listener);

    const apply = (text: string, origin: string): void => {
      const result = source.update(text);
      if (!result.ok) node.error(`${origin}: ${source.problem}`);
      for (const warning of result.warnings) node.warn(`${origin}: ${warning}`);
    };

    if (def.source === 'file') {
      const file = resolvePath(def.path ?? '');
      const load = (): void => {
        fs.readFile(file, 'utf8').then(
          (text) => {
            if (!closed) apply(text, file);
          },
          (err: unknown) => {
            if (closed) return;
            source.fail(`cannot read site file ${file}: ${errorMessage(err)}`);
            node.error(source.problem);
          },
        );
      };
      if (!def.path) {
        source.fail('no site file path set: enter one in the tracker-site node, or choose inline JSON');
        node.error(source.problem);
      } else {
        load();
        // Watch the folder, not the file: editors save by writing a new file and renaming it over the old one.
        try {
          watcher = watch(path.dirname(file), (_event, name) => {
            if (name !== null && name !== path.basename(file)) return;
            if (reloadTimer) clearTimeout(reloadTimer);
            reloadTimer = setTimeout(load, FILE_RELOAD_DEBOUNCE_MS);
          });
          watcher.on('error', (err) => node.warn(`stopped watching ${file}: ${errorMessage(err)}`));
        } catch (err) {
          node.warn(`cannot watch ${file} for changes (${errorMessage(err)}); redeploy to reload it`);
        }
      }
    } else {
      apply(def.config ?? '', 'site');
    }

    node.on('close', () => {
      closed = true;
      if (reloadTimer) clearTimeout(reloadTimer);
      watcher?.close();
    });
  }

  RED.nodes.registerType('tracker-site', TrackerSite);
  registerSiteEditor(RED, resolvePath);
  registerSiteAdmin(RED);

  // The editor's check of a document typed in or a file on the host (site-check.ts sets its limits).
  registerSiteCheck(RED);
};

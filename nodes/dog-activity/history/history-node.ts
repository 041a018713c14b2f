// Node-RED glue for the history page: one httpNode handler per process (registered at load), and per
// dog-activity node its entry in `served`, from its tracker-site and tracker-influx, removed on close.
import * as path from 'path';
import type { Node, NodeAPI } from 'node-red';
import { linkSite } from '../../common/site-link';
import type { SiteView } from '../../kernel/site-view';
import { mapPathSegment, nodeRoot } from '../../tracker-map/map-pages';
import type { TrackerInfluxNode } from '../../tracker-influx/tracker-influx-node';
import type { HistoryDeps } from './history-http';
import { historyHandler, mapPathOf, siteBox } from './history-route';
import { sourceFor } from './sources';

export interface HistoryServer {
  root: string | undefined;
  served: Map<string, HistoryDeps>;
}

const WEB_DIR = path.join(__dirname, '..', 'web');

export function historyServer(RED: NodeAPI): HistoryServer {
  const root = nodeRoot((RED.settings as { httpNodeRoot?: unknown }).httpNodeRoot);
  const served = new Map<string, HistoryDeps>();
  if (root !== undefined) RED.httpNode.use('/dogtracker', historyHandler(served, WEB_DIR));
  return { root, served };
}

/**
 * Serves the node's history when it has a tracker-influx; returns the status suffix (`' · history …'`, or
 * '' when there is none). Throws (bad settings) with the reason.
 */
export function serveHistory(
  RED: NodeAPI,
  node: Node,
  server: HistoryServer,
  def: { site?: string; influx?: string; path?: string },
  timeZone: string,
): string {
  if (!def.influx) return '';
  if (server.root === undefined) throw new Error('httpNodeRoot is false: the history page cannot be served');
  const segment = mapPathSegment(def.path);
  if (server.served.has(segment))
    throw new Error(`another dog-activity already serves the history of map path "${segment}"`);
  const influx = RED.nodes.getNode(def.influx) as TrackerInfluxNode | null;
  const connection = influx?.historyQuery;
  if (!connection)
    throw new Error(
      'the history needs a tracker-influx with a complete connection (URL and database, or bucket)',
    );
  if (!def.site) throw new Error('the history needs a Site (its dogs and zones)');
  let view: SiteView | undefined;
  linkSite(RED, node, def.site, (v) => (view = v));
  const mapPath = mapPathOf(server.root, segment);
  const deps: HistoryDeps = {
    mapPath,
    timeZone,
    run: sourceFor(connection),
    now: () => Date.now(),
    site: () =>
      view && {
        dogs: view.dogs.map((d) => d.id),
        names: Object.fromEntries(view.dogs.map((d) => [d.id, d.name ?? d.id])),
        zones: view.zones,
        box: siteBox(view),
      },
  };
  server.served.set(segment, deps);
  node.on('close', () => {
    if (server.served.get(segment) === deps) server.served.delete(segment);
  });
  return ` · history ${mapPath}history/`;
}

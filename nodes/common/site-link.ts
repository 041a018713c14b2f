// Connects a node to its tracker-site config node: status while the site is missing or invalid,
// a callback with each new site, and unsubscription on close. Node-RED adapter code, not core.
import type { Node, NodeAPI } from 'node-red';
import type { TrackerSiteNode } from '../tracker-site/tracker-site-node';
import type { SiteView } from '../kernel/site-view';
import { errorMessage } from '../kernel/checks';

export interface SiteLink {
  /** The current site, or undefined while none is configured or loaded. */
  readonly view: SiteView | undefined;
  /** Why there is no site, for `done(err)` and status. */
  readonly problem: string;
}

export function linkSite(
  RED: NodeAPI,
  node: Node,
  siteId: string | undefined,
  onSite: (view: SiteView) => void = () => undefined,
): SiteLink {
  const config = siteId ? (RED.nodes.getNode(siteId) as TrackerSiteNode | null) : null;
  if (!config || typeof config.subscribe !== 'function') {
    const problem = 'no tracker-site configured: open the node and choose or add a site';
    node.status({ fill: 'red', shape: 'ring', text: 'no site' });
    return { view: undefined, problem };
  }
  const unsubscribe = config.subscribe((view) => {
    try {
      onSite(view);
    } catch (err) {
      node.error(`applying site "${view.name}" failed: ${errorMessage(err)}`);
    }
  });
  node.on('close', unsubscribe);
  if (!config.view) node.status({ fill: 'red', shape: 'ring', text: 'site invalid or loading' });
  return {
    get view() {
      return config.view;
    },
    get problem() {
      return config.problem ?? 'the tracker-site has not loaded yet';
    },
  };
}

// What other nodes see of a tracker-site config node (through RED.nodes.getNode).
import type { Node } from 'node-red';
import type { SiteListener } from './site-source';
import type { SiteView } from '../kernel/site-view';

export interface TrackerSiteNode extends Node {
  readonly view: SiteView | undefined;
  readonly problem: string | undefined;
  /** Calls `listener` now if the site is loaded and on each accepted change; returns the unsubscribe. */
  subscribe(listener: SiteListener): () => void;
}

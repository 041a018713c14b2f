// What other nodes see of a tracker-site config node (through RED.nodes.getNode).
import type { Node } from 'node-red';
import type { SiteListener } from './site-source';
import type { SiteView } from '../kernel/site-view';

export interface TrackerSiteNode extends Node {
  readonly view: SiteView | undefined;
  readonly problem: string | undefined;
  /** The current site's JSON text, as given. */
  readonly text: string | undefined;
  /** Where the document lives: inline in the flow, or the absolute path of its file. */
  readonly origin: { kind: 'inline' } | { kind: 'file'; file: string };
  /**
   * Replaces an inline site with validated text now (the phone's admin screen): every node follows. It
   * lasts until the flow is deployed again; the edit dialog offers this text to keep it.
   */
  replaceInline(text: string): { ok: boolean; errors: string[]; warnings: string[] };
  /** Calls `listener` now if the site is loaded and on each accepted change; returns the unsubscribe. */
  subscribe(listener: SiteListener): () => void;
}

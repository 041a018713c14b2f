// Live state one node instance leaves to the next instance of the same node id. A deploy that changes a
// node, or the tracker-site config node it uses (an inline site edited in the editor), closes the node
// and creates it again: without this, trilaterate's tracks and geofence-alert's zone states would start
// afresh after every site edit. Node-RED adapter code, not core.
//
// The old instance leaves its state in close(removed = false); the new one takes it in its constructor
// when its settings are the same (same key). Bounded: at most MAX_ENTRIES per kind, each dropped after
// HANDOVER_MS (60 s) by an unref'd timer (a node that never comes back, or a Node-RED that stops). A fresh start
// of the flows (Node-RED booting, or a test loading a flow) is no deploy: it drops whatever was left, so
// state never crosses from one run, or one test, to the next.
import type { EventEmitter } from 'events';

/** A left state not taken within this long is dropped, ms. */
export const HANDOVER_MS = 60_000;
/** Most states left per kind (a flow has this many trilaterate or geofence-alert nodes at most). */
const MAX_ENTRIES = 256;

interface Entry<T> {
  key: string;
  state: T;
  timer: NodeJS.Timeout;
}

export interface Handover<T> {
  /** Leaves `state` for the next instance of node `nodeId` with the same settings `key`. */
  leave(nodeId: string, key: string, state: T): void;
  /** The state left by the previous instance of `nodeId`, if its key is `key` and it is still there. */
  take(nodeId: string, key: string): T | undefined;
  /** How many states wait (for tests). */
  readonly size: number;
}

const stores: Array<Map<string, Entry<unknown>>> = [];
const watched = new WeakSet<EventEmitter>();

function dropAll(): void {
  for (const store of stores) {
    for (const entry of store.values()) clearTimeout(entry.timer);
    store.clear();
  }
}

/**
 * Clears every store when the flows start without a deploy. The runtime says `flows:starting` before it
 * creates the nodes; a deploy passes the diff it applies, a (re)load none.
 */
export function watchRuntime(events: EventEmitter | undefined): void {
  if (!events || watched.has(events)) return;
  watched.add(events);
  events.on('flows:starting', (info: { diff?: unknown } | undefined) => {
    if (info?.diff === undefined) dropAll();
  });
}

export interface HandoverOptions<T> {
  /** A left state not taken within this long is dropped, ms (HANDOVER_MS). */
  ttlMs?: number;
  /** Told of each state dropped untaken when its time ran out. */
  onExpire?: (nodeId: string, state: T) => void;
}

export function handover<T>(opts: HandoverOptions<T> = {}): Handover<T> {
  const ttlMs = opts.ttlMs ?? HANDOVER_MS;
  const store = new Map<string, Entry<T>>();
  stores.push(store as Map<string, Entry<unknown>>);
  const drop = (nodeId: string): void => {
    const entry = store.get(nodeId);
    if (!entry) return;
    clearTimeout(entry.timer);
    store.delete(nodeId);
  };
  return {
    leave(nodeId, key, state) {
      drop(nodeId);
      if (store.size >= MAX_ENTRIES) {
        const oldest = store.keys().next().value;
        if (oldest !== undefined) drop(oldest);
      }
      const timer = setTimeout(() => {
        drop(nodeId);
        opts.onExpire?.(nodeId, state);
      }, ttlMs);
      timer.unref();
      store.set(nodeId, { key, state, timer });
    },
    take(nodeId, key) {
      const entry = store.get(nodeId);
      if (!entry) return undefined;
      drop(nodeId);
      return entry.key === key ? entry.state : undefined;
    },
    get size() {
      return store.size;
    },
  };
}

// The InfluxDB queues of this Node-RED process at a glance, for the map's (and the phone app's) health
// screen: one entry per running influx-write node, replaced when its status changes, removed when it
// closes. No entry means no InfluxDB is configured (the demo's influx-write is disabled): the screen says
// "off". One board per process, like the metrics registry; it knows nothing of Node-RED.
import type { QueueState } from './write-queue';

/** `unconfigured`: the node runs but cannot write (no or an invalid connection, bad settings). */
export type InfluxQueueState = QueueState | 'unconfigured';

export interface InfluxQueueHealth {
  /** The influx-write node's id. */
  id: string;
  /** Its name, or the server it writes to. */
  name: string;
  /** The server as tracker-influx describes it (no credentials), or why there is none. */
  server: string;
  state: InfluxQueueState;
  /** Points waiting (memory and disk). */
  queued: number;
  /** Event time (ms) of the oldest point waiting: how far behind the database is. */
  oldestTs?: number;
  /** The last failed write (or the configuration problem), kept after the server is back. */
  lastError?: { text: string; at: number };
  written: number;
  dropped: number;
}

/** What the map sends its pages when an entry changes. */
export interface InfluxUpdate {
  kind: 'influx';
  influx: InfluxQueueHealth[];
}

const MAX_ENTRIES = 50;
const MAX_TEXT = 120;

export class InfluxQueueBoard {
  private readonly entries = new Map<string, InfluxQueueHealth>();
  private readonly listeners = new Set<() => void>();

  /** Adds or replaces the entry of `health.id`. */
  set(health: InfluxQueueHealth): void {
    // Bounded whatever a flow holds; an error text is an excerpt.
    if (!this.entries.has(health.id) && this.entries.size >= MAX_ENTRIES) return;
    const entry = { ...health, name: health.name.slice(0, 60), server: health.server.slice(0, MAX_TEXT) };
    if (health.lastError)
      entry.lastError = { ...health.lastError, text: health.lastError.text.slice(0, MAX_TEXT) };
    this.entries.set(health.id, entry);
    this.notify();
  }

  remove(id: string): void {
    if (this.entries.delete(id)) this.notify();
  }

  /** Every entry, by name. */
  list(): InfluxQueueHealth[] {
    return [...this.entries.values()]
      .map((e) => ({ ...e }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1));
  }

  /** Calls `listener` after every change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // One listener's failure must not stop the others or the writer.
      }
    }
  }
}

export const influxQueues = new InfluxQueueBoard();

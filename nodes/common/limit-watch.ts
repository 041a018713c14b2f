// A memory limit of a node (rssi-filter's pairs, trilaterate's tracks) that was reached: the entries it
// made the core drop are counted in dogtracker_limit_reached_total{node,limit}, the node warns once per
// episode (not per entry) saying which limit and what to set, and its status says so while it lasts.
// An episode ends when the table is back below 90 % of the limit.
import { pipelineMetrics } from './metrics';

/** Below this share of the limit, an episode is over. */
const CLEAR_BELOW = 0.9;

export interface LimitWatchOptions {
  /** The node type and the limit's name, the metric's labels (`rssi-filter`, `maxPairs`). */
  node: string;
  limit: string;
  /** The warning, once per episode, given the limit in force (e.g. `max pairs (10000) reached: ...`). */
  warning: (limit: number) => string;
  /** The status text while the episode lasts (short). */
  status: (limit: number) => string;
  warn: (text: string) => void;
}

export class LimitWatch {
  private dropped = 0;
  private reached = false;
  private limit = 0;

  constructor(private readonly options: LimitWatchOptions) {}

  /** After a message: the core's count of dropped entries so far, the table's size and limit now. */
  update(droppedTotal: number, size: number, limit: number): void {
    const fresh = droppedTotal - this.dropped;
    this.dropped = droppedTotal;
    this.limit = limit;
    if (fresh > 0) {
      const { node, limit: name } = this.options;
      pipelineMetrics.limitReached.inc({ node, limit: name }, fresh);
      if (!this.reached) {
        this.reached = true;
        this.options.warn(this.options.warning(limit));
      }
    } else if (this.reached && size < CLEAR_BELOW * limit) {
      this.reached = false;
    }
  }

  /** The status text while the limit is reached, else undefined. */
  get attention(): string | undefined {
    return this.reached ? this.options.status(this.limit) : undefined;
  }
}

// The pipeline's emissions as contract `rssi` messages, and when the status counters are refreshed: on
// output, at most every STATUS_REFRESH_MS (no timer: idle, nothing changes). Clock given.
import { topics } from '../kernel/contract';
import type { Emission } from './pipeline';

/** The status counters are refreshed on output at most this often. */
export const STATUS_REFRESH_MS = 2000;

export interface RssiMessage {
  topic: string;
  payload: Emission['payload'];
}

export class ReadingOutput {
  private readonly topicOf = new Map<string, string>();
  private statusAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    private readonly send: (msg: RssiMessage) => void,
    private readonly refresh: () => void,
  ) {}

  emit(out: Emission): void {
    let topic = this.topicOf.get(out.scanner);
    if (topic === undefined) this.topicOf.set(out.scanner, (topic = topics.rssi(out.scanner)));
    this.send({ topic, payload: out.payload });
    const now = this.now();
    if (now - this.statusAt >= STATUS_REFRESH_MS) {
      this.statusAt = now;
      this.refresh();
    }
  }
}

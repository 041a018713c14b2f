// Readings that name another scanner than the rssi topic they came on (kernel/scanner-topic.ts): counted,
// and logged once per topic scanner (a flood of names cannot grow the set). Shared by rssi-filter and
// trilaterate, the two nodes readings can reach first. Node-RED adapter support.
import type { Node } from 'node-red';
import { excerpt } from '../kernel/checks';
import type { RssiReading } from '../kernel/contract';
import { pipelineMetrics, type SiteLabels } from './metrics';

/** Scanners warned about are remembered up to this many. */
const MAX_WARNED = 100;

export class ScannerMismatch {
  private readonly warned = new Set<string>();

  constructor(
    private readonly node: Node,
    private readonly labels: SiteLabels,
  ) {}

  /** Counts and logs the dropped readings; returns the status text to show, or undefined if none. */
  report(
    mismatched: readonly RssiReading[],
    topicScanner: string | undefined,
    topic: unknown,
  ): string | undefined {
    const first = mismatched[0];
    if (!first || topicScanner === undefined) return undefined;
    pipelineMetrics.readingsDropped.inc(
      { reason: 'scanner-mismatch', scanner: this.labels.label(topicScanner) },
      mismatched.length,
    );
    if (!this.warned.has(topicScanner) && this.warned.size < MAX_WARNED) {
      this.warned.add(topicScanner);
      this.node.warn(
        `readings on ${excerpt(topic)} name scanner ${excerpt(first.scanner)}: dropped (a scanner speaks only for itself)`,
      );
    }
    return `${topicScanner.slice(0, 40)} sent readings of ${first.scanner.slice(0, 40)}`;
  }
}

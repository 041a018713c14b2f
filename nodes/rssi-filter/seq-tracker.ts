// Per-scanner stream accounting: each scanner numbers its readings (`seq`, +1 per message), so the hub
// can count the ones lost on the way and drop the ones that arrive twice (MQTT QoS 1 redelivers), and it
// keeps the newest event time heard from each scanner. Pure, bounded memory: a ring of the last
// SEQ_WINDOW seq numbers per scanner, at most `maxScanners` scanners (the least recently heard go first:
// each is stamped when heard, and only a new scanner beyond the limit looks for the oldest stamp, so a
// reading costs one Map lookup and no reordering).

/** How far back a seq is still recognised as a duplicate; a seq further back means the scanner restarted. */
export const SEQ_WINDOW = 1024;

export type SeqVerdict = 'new' | 'duplicate' | 'late' | 'restart' | 'none';

export interface StreamResult {
  verdict: SeqVerdict;
  /** Seq numbers skipped by this reading (0 unless it jumped ahead). */
  gap: number;
  /** Newest `ts` heard from this scanner so far, this reading included. */
  newestTs: number;
}

interface ScannerStream {
  highest: number;
  /** seen[seq % SEQ_WINDOW] === seq when that seq has arrived, and seenTs[...] the ts it came with. */
  seen: Float64Array | undefined;
  seenTs: Float64Array | undefined;
  newestTs: number;
  /** When this scanner was last heard, in checks made (the eviction order). */
  heard: number;
}

export class SeqTracker {
  private readonly scanners = new Map<string, ScannerStream>();
  private checks = 0;

  // 256 scanners (16 kB of seq history each) are far more than a site has, and cap a flood of names at 4 MB.
  constructor(private readonly maxScanners = 256) {}

  get size(): number {
    return this.scanners.size;
  }

  /**
   * Classifies one reading (`seq` undefined when the scanner does not number them: verdict `none`):
   * - `new`: the next seq or a later one (`gap` counts the skipped ones);
   * - `late`: an older seq not seen before (reordered on the way); it was counted in a gap already;
   * - `duplicate`: the same seq with the same ts arrived before: drop it;
   * - `restart`: the scanner started counting again: a seq seen before but with another ts, or one
   *   more than SEQ_WINDOW behind the highest.
   * `moveTime` false: the seq is accounted, but `ts` does not count as the scanner's newest time.
   */
  check(scanner: string, seq: number | undefined, ts: number, moveTime = true): StreamResult {
    let s = this.scanners.get(scanner);
    if (!s) {
      if (this.scanners.size >= this.maxScanners) this.evictOldest();
      s = { highest: -1, seen: undefined, seenTs: undefined, newestTs: moveTime ? ts : -Infinity, heard: 0 };
      this.scanners.set(scanner, s);
    }
    s.heard = ++this.checks;
    // A reading the event clock refused (stamped far ahead) still uses up its seq, but its ts is not news.
    if (moveTime && ts > s.newestTs) s.newestTs = ts;
    if (seq === undefined) return { verdict: 'none', gap: 0, newestTs: s.newestTs };
    return this.classify(s, seq, ts);
  }

  /** Drops the scanner heard least recently (a scan of at most maxScanners, only for a new scanner). */
  private evictOldest(): void {
    let oldest: string | undefined;
    let oldestHeard = Infinity;
    for (const [name, s] of this.scanners) {
      if (s.heard < oldestHeard) {
        oldestHeard = s.heard;
        oldest = name;
      }
    }
    if (oldest !== undefined) this.scanners.delete(oldest);
  }

  private classify(s: ScannerStream, seq: number, ts: number): StreamResult {
    const newestTs = s.newestTs;
    if (!s.seen || !s.seenTs || s.highest < 0) {
      s.seen = new Float64Array(SEQ_WINDOW).fill(-1);
      s.seenTs = new Float64Array(SEQ_WINDOW);
      s.highest = seq;
      mark(s.seen, s.seenTs, seq, ts);
      return { verdict: 'new', gap: 0, newestTs };
    }
    if (seq > s.highest) {
      const gap = seq - s.highest - 1;
      // Slots skipped over hold numbers of a past lap; they can never match a seq inside the window.
      s.highest = seq;
      mark(s.seen, s.seenTs, seq, ts);
      return { verdict: 'new', gap, newestTs };
    }
    const slot = seq % SEQ_WINDOW;
    const seenBefore = s.seen[slot] === seq;
    if (seenBefore && s.seenTs[slot] === ts) return { verdict: 'duplicate', gap: 0, newestTs };
    if (seenBefore || s.highest - seq >= SEQ_WINDOW) {
      s.seen.fill(-1);
      s.highest = seq;
      mark(s.seen, s.seenTs, seq, ts);
      return { verdict: 'restart', gap: 0, newestTs };
    }
    mark(s.seen, s.seenTs, seq, ts);
    return { verdict: 'late', gap: 0, newestTs };
  }
}

function mark(seen: Float64Array, seenTs: Float64Array, seq: number, ts: number): void {
  const slot = seq % SEQ_WINDOW;
  seen[slot] = seq;
  seenTs[slot] = ts;
}

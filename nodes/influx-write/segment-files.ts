// The disk side of the write queue: one file per batch of line protocol in a folder, named
// `<sequence>-<points>.lp` so the folder alone tells the order and the size of the queue.
// Files are written to a temporary name, synced and renamed, so a power cut leaves either the whole
// batch or none of it.
import { promises as fs } from 'fs';
import * as path from 'path';

export interface SegmentFile {
  seq: number;
  count: number;
  file: string;
}

const SEGMENT_NAME = /^(\d{12})-(\d+)\.lp$/;

export function segmentName(seq: number, count: number): string {
  return `${String(seq).padStart(12, '0')}-${count}.lp`;
}

/**
 * Creates the folder if needed and lists its segments, oldest first. Removes what an interrupted run
 * left behind: temporary files, and the older copy of a segment that was being rewritten smaller.
 */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  await fs.mkdir(dir, { recursive: true });
  const bySeq = new Map<number, SegmentFile>();
  const stale: string[] = [];
  for (const name of await fs.readdir(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith('.tmp')) {
      stale.push(file);
      continue;
    }
    const match = SEGMENT_NAME.exec(name);
    if (!match) continue;
    const segment = { seq: Number(match[1]), count: Number(match[2]), file };
    const other = bySeq.get(segment.seq);
    if (other) stale.push(other.count <= segment.count ? segment.file : other.file);
    if (!other || segment.count < other.count) bySeq.set(segment.seq, segment);
  }
  await Promise.all(stale.map((f) => fs.rm(f, { force: true })));
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export async function writeSegment(dir: string, seq: number, lines: readonly string[]): Promise<string> {
  const file = path.join(dir, segmentName(seq, lines.length));
  const tmp = file + '.tmp';
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(lines.join('\n'), 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
  return file;
}

/** The segment's lines; only the last `count` when it was cut short by dropping from the front. */
export async function readSegment(file: string, count: number): Promise<string[]> {
  const text = await fs.readFile(file, 'utf8');
  const lines = text.length === 0 ? [] : text.split('\n');
  return lines.length > count ? lines.slice(lines.length - count) : lines;
}

/** Keeps only the last `keep` lines of a segment, under a new name; returns it. */
export async function shortenSegment(dir: string, seg: SegmentFile, keep: number): Promise<string> {
  const lines = await readSegment(seg.file, keep);
  const file = await writeSegment(dir, seg.seq, lines);
  if (file !== seg.file) await fs.rm(seg.file, { force: true });
  return file;
}

export async function removeSegment(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

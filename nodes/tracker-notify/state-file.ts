// The node's state on disk: one JSON file in the Node-RED user directory, written to a temporary name,
// synced and renamed, so a power cut leaves the old file or the new one, never half of one. Writes are
// coalesced (at most one every `delayMs`); `flush()` writes what is pending now (close, tests).
import { promises as fs, readFileSync } from 'fs';
import * as path from 'path';

export class StateFile<T> {
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    readonly file: string,
    private readonly snapshot: () => T,
    private readonly onError: (err: Error) => void,
    private readonly delayMs = 200,
  ) {}

  /** The stored state, or undefined when there is none; throws when the file is unreadable JSON. */
  static read(file: string): unknown {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return JSON.parse(text) as unknown;
  }

  /** Something changed: write soon. */
  touch(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Writes the pending state now; resolves when it is on disk. Never rejects (errors go to onError). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return this.chain;
    this.dirty = false;
    let text: string;
    try {
      text = JSON.stringify(this.snapshot());
    } catch (err) {
      this.onError(err as Error);
      return this.chain;
    }
    this.chain = this.chain.then(() => this.write(text)).catch((err: unknown) => this.onError(err as Error));
    return this.chain;
  }

  /** Stops the timer; what is pending is written by `flush`. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async write(text: string): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.file);
  }
}

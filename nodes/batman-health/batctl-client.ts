// Runs batctl (asynchronously, with a time-out) and turns its tables into the `mesh` part of health.
// Tries the JSON queries of batctl >= 2020 first, then the text tables (`meshif bat0 o`, then the
// pre-2019 `-m bat0 o`), and remembers the first dialect that works.
import { execFile } from 'child_process';
import {
  classifyFailure,
  meshSample,
  parseGatewaysJson,
  parseGatewaysText,
  parseMeshJson,
  parseNeighborsJson,
  parseNeighborsText,
  parseOriginatorsJson,
  parseOriginatorsText,
  parseTableHeader,
  type BatctlProblem,
  type MeshParts,
  type MeshSample,
  type RunFailure,
} from './batctl';
import { errorMessage } from '../kernel/checks';

export type MeshResult = { ok: true; mesh: MeshSample } | { ok: false; problem: BatctlProblem };

export interface BatctlClientOptions {
  /** The command, possibly with a prefix: `batctl`, `sudo -n batctl`, `/usr/sbin/batctl`. */
  command: string;
  /** The batman-adv mesh interface, usually `bat0`. */
  iface: string;
  timeoutMs: number;
}

type Dialect = 'json' | 'text' | 'text-m';
const DIALECTS: Dialect[] = ['json', 'text', 'text-m'];

class QueryError extends Error {
  constructor(readonly problem: BatctlProblem) {
    super(problem.message);
  }
}

export class BatctlClient {
  private dialect: Dialect | undefined;
  private readonly file: string;
  private readonly prefix: string[];
  private readonly running = new Set<AbortController>();

  constructor(private readonly options: BatctlClientOptions) {
    const words = options.command.trim().split(/\s+/).filter(Boolean);
    this.file = words[0] ?? 'batctl';
    this.prefix = words.slice(1);
  }

  /** Never rejects: a failure is a result with a problem the node can show. */
  async sample(): Promise<MeshResult> {
    const order = this.dialect ? [this.dialect] : DIALECTS;
    let last: BatctlProblem | undefined;
    for (const dialect of order) {
      try {
        const mesh = await this.query(dialect);
        this.dialect = dialect;
        return { ok: true, mesh };
      } catch (err) {
        last = err instanceof QueryError ? err.problem : { kind: 'unsupported', message: errorMessage(err) };
        // Only "this batctl does not speak that" is worth another dialect; the rest is the machine's state.
        if (last.kind !== 'unsupported') break;
      }
    }
    // A remembered dialect that stops working (batctl upgraded) is forgotten, so the next sample re-probes.
    if (last?.kind === 'unsupported') this.dialect = undefined;
    return { ok: false, problem: last ?? { kind: 'failed', message: 'batctl gave no answer' } };
  }

  /** Kills queries still running (node closing). */
  abort(): void {
    for (const c of this.running) c.abort();
    this.running.clear();
  }

  private async query(dialect: Dialect): Promise<MeshSample> {
    const iface = this.options.iface;
    if (dialect === 'json') {
      // The originator table is the essential one; the others only add detail and may fail alone.
      // Every call is awaited (settled), so none is left running when the next dialect is tried.
      const [oj, mj, nj, gwj] = await this.runAll([
        ['meshif', iface, 'oj'],
        ['meshif', iface, 'mj'],
        ['meshif', iface, 'nj'],
        ['meshif', iface, 'gwj'],
      ]);
      const parts: MeshParts = {
        info: mj === undefined ? {} : safe(() => parseMeshJson(mj), {}),
        originators: parseOrThrow(() => parseOriginatorsJson(oj)),
      };
      const neighbors = nj === undefined ? undefined : safe(() => parseNeighborsJson(nj), undefined);
      if (neighbors) parts.neighbors = neighbors;
      const gateways = gwj === undefined ? undefined : safe(() => parseGatewaysJson(gwj), undefined);
      if (gateways) parts.gateways = gateways;
      return meshSample(parts, iface);
    }
    const select = dialect === 'text' ? ['meshif', iface] : ['-m', iface];
    const [o, n, gwl] = await this.runAll([
      [...select, 'o'],
      [...select, 'n'],
      [...select, 'gwl'],
    ]);
    const info = parseTableHeader(o);
    if (!info.algo && !/Originator/.test(o))
      throw new QueryError({
        kind: 'unsupported',
        message: `unexpected output of batctl o: ${o.slice(0, 60)}`,
      });
    const parts: MeshParts = { info, originators: parseOriginatorsText(o, info.algo) };
    if (n !== undefined && /Neighbor/.test(n)) parts.neighbors = parseNeighborsText(n);
    if (gwl !== undefined) parts.gateways = parseGatewaysText(gwl);
    return meshSample(parts, iface);
  }

  /**
   * Runs the queries in parallel and waits for all of them: the first one's output, or its failure thrown;
   * the others' output, or undefined when they failed.
   */
  private async runAll(queries: string[][]): Promise<[string, ...Array<string | undefined>]> {
    const [first, ...rest] = await Promise.allSettled(queries.map((q) => this.run(q)));
    if (first.status === 'rejected') throw first.reason;
    return [first.value, ...rest.map((r) => (r.status === 'fulfilled' ? r.value : undefined))];
  }

  private run(args: string[]): Promise<string> {
    const controller = new AbortController();
    this.running.add(controller);
    return new Promise<string>((resolve, reject) => {
      execFile(
        this.file,
        [...this.prefix, ...args],
        { timeout: this.options.timeoutMs, signal: controller.signal, maxBuffer: 4 * 1024 * 1024 },
        (err, stdout, stderr) => {
          this.running.delete(controller);
          if (!err) return resolve(String(stdout));
          const e = err as NodeJS.ErrnoException & { killed?: boolean };
          const failure: RunFailure = {
            code: e.code,
            killed: e.killed === true || e.name === 'AbortError',
            stderr: String(stderr),
            stdout: String(stdout),
          };
          reject(new QueryError(classifyFailure(failure, this.options.command, this.options.iface)));
        },
      );
    });
  }
}

function parseOrThrow<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new QueryError({ kind: 'unsupported', message: errorMessage(err) });
  }
}

function safe<T, F>(parse: () => T, fallback: F): T | F {
  try {
    return parse();
  } catch {
    return fallback;
  }
}

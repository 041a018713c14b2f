// bcrypt from Node-RED's own installation: Node-RED ships `bcryptjs` (it hashes adminAuth passwords
// with it), so this package does not add a dependency for it. Looked up from the running Node-RED
// (require.main is its red.js), then from this package's node_modules (tests, a clone).
import * as path from 'path';

export interface Bcrypt {
  compare(password: string, hash: string): Promise<boolean>;
  hash(password: string, rounds: number): Promise<string>;
}

let cached: Bcrypt | undefined;

export function loadBcrypt(): Bcrypt {
  if (cached) return cached;
  const bases = [require.main?.filename, process.argv[1], __filename]
    .filter((f): f is string => typeof f === 'string' && f !== '')
    .map((f) => path.dirname(f));
  const tried: string[] = [];
  for (const base of bases) {
    for (const via of ['', '@node-red/editor-api/package.json', 'node-red/package.json']) {
      try {
        const from = via === '' ? base : path.dirname(require.resolve(via, { paths: [base] }));
        const file = require.resolve('bcryptjs', { paths: [from] });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const lib = require(file) as Partial<Bcrypt>;
        if (typeof lib.compare === 'function' && typeof lib.hash === 'function') {
          cached = { compare: lib.compare.bind(lib), hash: lib.hash.bind(lib) };
          return cached;
        }
      } catch {
        tried.push(via === '' ? base : `${via} from ${base}`);
      }
    }
  }
  throw new Error(`bcryptjs (shipped with Node-RED) was not found from ${tried.slice(0, 3).join(', ')}`);
}

// Runs every benchmark in bench/ (files named *.bench.ts), one after another, in this process.
// Each prints its own figures and the machine-independent ratio it stands for.
// `npm run bench -- name` runs only the benches whose file name contains `name`.
import { readdirSync } from 'fs';
import * as path from 'path';

async function main(): Promise<void> {
  const filter = process.argv[2] ?? '';
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js') && f.includes(filter))
    .sort();
  if (files.length === 0) console.log(`no benchmark matches "${filter}"`);
  for (const file of files) {
    console.log(`\n=== ${file.replace(/\.js$/, '')}`);
    const bench = require(path.join(__dirname, file)) as { run?: () => Promise<void> | void };
    if (typeof bench.run !== 'function') throw new Error(`${file} exports no run()`);
    await bench.run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

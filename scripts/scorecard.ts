// Runs the Node-RED Flow Library scorecard (`node-red-dev validate`) and fails on any failed check.
// The validator's warnings are reported as warnings: it can warn about a check and still record it as
// passed (P04 warns that new packages should use a scoped name, then marks the unscoped
// node-red-contrib- name valid), so its pass alone would hide the warning.
// The validator fetches catalogue.nodered.org for two checks (P08 similar package names, N01 unique
// node type names); that host is unreachable from CI, so those two requests are answered with an empty
// catalogue and the two checks are reported as not checked here. Every other request (the npm registry)
// goes out for real.
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

interface AxiosLikeConfig {
  url?: string;
  adapter?: unknown;
}
interface AxiosLike {
  interceptors: { request: { use(fn: (c: AxiosLikeConfig) => AxiosLikeConfig): void } };
}
interface CheckResult {
  test: boolean;
  [detail: string]: unknown;
}

const root = path.resolve(__dirname, '..', '..');
const devDir = path.dirname(require.resolve('node-red-dev/package.json', { paths: [root] }));
const checkpackage = path.join(devDir, 'src', 'libs', 'checkpackage.js');
const axios = require(require.resolve('axios', { paths: [path.dirname(checkpackage)] })) as AxiosLike;

const OFFLINE_HOST = 'catalogue.nodered.org';
const NOT_CHECKED: Record<string, string> = {
  P08: 'similar package names in the Flow Library catalogue',
  N01: 'node type names unique across the Flow Library catalogue',
};

axios.interceptors.request.use((config) => {
  if (config.url?.includes(OFFLINE_HOST)) {
    config.adapter = async () => ({
      data: { modules: [] },
      status: 200,
      statusText: 'OK',
      headers: {},
      config,
    });
  }
  return config;
});

async function main(): Promise<void> {
  const out = mkdtempSync(path.join(os.tmpdir(), 'scorecard-'));
  const file = path.join(out, 'scorecard.json');
  try {
    const Validate = require(path.join(devDir, 'src', 'commands', 'validate.js')) as {
      run(argv: string[]): Promise<void>;
      prototype: { warn(input: string | Error): void };
    };
    // Every warning the validator prints, by the check id it starts with (P04, D02, ...) where it has one.
    const warnings: string[] = [];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the right `this`
    const warn = Validate.prototype.warn;
    Validate.prototype.warn = function (this: unknown, input: string | Error): void {
      warnings.push(input instanceof Error ? input.message : String(input));
      warn.call(this, input);
    };
    await Validate.run(['--path', root, '--output', file, '--embed', 'true']);
    const warned = (id: string): string[] =>
      warnings.filter((w) => w.startsWith(`${id} `)).map((w) => w.slice(id.length + 1));
    const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, CheckResult>;
    // Check ids look like P04, N02, D01; other keys (e.g. `package`) are metadata.
    const scorecard = Object.fromEntries(Object.entries(all).filter(([id]) => /^[PND]\d\d$/.test(id)));
    const failed = Object.entries(scorecard).filter(([id, r]) => !r.test && !(id in NOT_CHECKED));
    console.log('\nScorecard:');
    for (const [id, result] of Object.entries(scorecard).sort()) {
      const notes = warned(id);
      const mark =
        id in NOT_CHECKED
          ? 'not checked here'
          : !result.test
            ? 'FAIL'
            : notes.length > 0
              ? `warning (${notes.join('; ')})`
              : 'pass';
      console.log(
        `  ${id}: ${mark}${id in NOT_CHECKED ? ` (${NOT_CHECKED[id]}: ${OFFLINE_HOST} is unreachable)` : ''}`,
      );
    }
    const expected = ['P01', 'P03', 'P04', 'P05', 'P06', 'P07', 'N02', 'D01', 'D02', 'D03'];
    const missing = expected.filter((id) => !(id in scorecard));
    if (missing.length > 0) throw new Error(`the validator did not run checks ${missing.join(', ')}`);
    if (failed.length > 0) throw new Error(`scorecard checks failed: ${failed.map(([id]) => id).join(', ')}`);
    const other = warnings.filter((w) => !/^[PND]\d\d /.test(w));
    for (const w of other) console.log(`  warning: ${w}`);
    const warnedIds = Object.keys(scorecard).filter((id) => warned(id).length > 0);
    console.log(
      warnedIds.length + other.length > 0
        ? `Scorecard: every check that can run here passes, with warnings (${[...warnedIds, ...other.map(() => 'other')].join(', ')}).`
        : 'Scorecard: every check that can run here passes.',
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

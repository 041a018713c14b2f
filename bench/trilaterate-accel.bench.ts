// Accelerometer-aided tracking (issue 16): the same simulated dogs, their collars also sending Minew
// accelerometer frames (one a second, consistent with each gait), through rssi-filter -> trilaterate with
// the aid off and on. RMSE per layout and per true gait. `npm run bench -- trilaterate-accel`;
// BENCH_SECONDS and BENCH_SEEDS as for the trilaterate bench (which also runs this one).
import { BENCH_NOISE, CASES, simulate, summarize } from './trilaterate-cases';
import { emptyResult, runCase, type CaseResult } from './trilaterate.bench';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1800);
const SEEDS = (process.env.BENCH_SEEDS ?? '1,2').split(',').map(Number);
const GAITS = ['rest', 'sniff', 'walk', 'trot', 'sprint'] as const;
/** The issue's targets: resting dogs' RMSE falls; no gait worse by more than 2 %. */
const WORST_ALLOWED = 0.02;

function gaitRmse(r: CaseResult, gait: string): number {
  const e = r.byGait.get(gait);
  return e && e.n > 0 ? Math.sqrt(e.sq / e.n) : Number.NaN;
}

function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

export function run(): void {
  console.log(
    `${SECONDS} s of 2 dogs per seed, seeds ${SEEDS.join(',')}; the trilaterate bench's radio; collars send an ` +
      'accelerometer frame a second (0.012 g sensor noise). RMSE m without aid -> with aid (change).',
  );
  console.log(`\n| layout | all | ${GAITS.join(' | ')} |`);
  console.log(`|---|---|${GAITS.map(() => '---').join('|')}|`);
  const verdicts: string[] = [];
  for (const c of CASES) {
    const off = emptyResult(c.name);
    const on = emptyResult(c.name);
    for (const seed of SEEDS) {
      const simulated = simulate(c, SECONDS, seed, BENCH_NOISE, true);
      runCase(c, simulated, off, { accelAid: false });
      runCase(c, simulated, on, { accelAid: true });
    }
    const cell = (a: number, b: number, share?: number): string =>
      `${fmt(a)} -> ${fmt(b)} (${b >= a ? '+' : ''}${fmt((100 * (b - a)) / a, 1)} %)` +
      (share === undefined ? '' : ` [${fmt(share, 0)} %]`);
    const all = [summarize(off.errors).rmse, summarize(on.errors).rmse];
    const cells = GAITS.map((g) =>
      cell(gaitRmse(off, g), gaitRmse(on, g), (100 * (off.byGait.get(g)?.n ?? 0)) / off.errors.length),
    );
    console.log(`| ${c.name} | ${cell(all[0], all[1])} | ${cells.join(' | ')} |`);
    const rest = [gaitRmse(off, 'rest'), gaitRmse(on, 'rest')];
    const worst = GAITS.map((g) => ({ g, change: gaitRmse(on, g) / gaitRmse(off, g) - 1 })).reduce((a, b) =>
      b.change > a.change ? b : a,
    );
    verdicts.push(
      `${c.name}: rest RMSE ${rest[1] < rest[0] ? 'falls' : 'DOES NOT FALL'} by ${fmt((100 * (rest[0] - rest[1])) / rest[0], 1)} %; ` +
        `worst gait ${worst.g} ${worst.change >= 0 ? '+' : ''}${fmt(100 * worst.change, 1)} % ` +
        `(${worst.change <= WORST_ALLOWED ? 'meets' : 'MISSES'} <= +2 %)`,
    );
  }
  console.log(
    '[share of the positions in that gait]; targets: rest RMSE falls, no gait worse by more than 2 %',
  );
  for (const v of verdicts) console.log(v);
}

if (require.main === module) run();

// Activity from Minew accelerometer frames against the simulator's gait: the confusion matrix of
// per-minute states (rest / moving / running) over simulated dogs with collars at the tag's 1 s frame
// rate, and the core's throughput.
import { formatConfusion, runActivity } from './activity-run';

export function run(): void {
  const t0 = process.hrtime.bigint();
  const result = runActivity({ seed: 7, hours: 6, dogs: 3 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log('per-minute activity, 3 dogs x 6 h, 2 scanners, accelerometer frames every 1 s (seed 7)');
  console.log(formatConfusion(result));
  const play = runActivity({ seed: 7, hours: 2, dogs: 3, restSeconds: [5, 40] });
  console.log('\nplay session: rests of 5-40 s (mixed minutes), 3 dogs x 2 h');
  console.log(formatConfusion(play));
  console.log(`simulated and classified in ${ms.toFixed(0)} ms (simulation dominates)`);
}

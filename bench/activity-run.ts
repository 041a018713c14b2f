// Shared by the dog-activity benchmark and tests: simulated dogs with accelerometer collars, their
// per-minute truth (from the simulator's gait) and what the activity core makes of their frames.
import { CONTRACT_VERSION, type RssiReading } from '../nodes/kernel/contract';
import { SiteSimulator, type Gait, type SimulatedAdvert } from '../nodes/kernel/simulation';
import { validateSite, type Site } from '../nodes/kernel/site-document';
import {
  ActivityTracker,
  type Activity,
  type ActivityOptions,
  type ActivityState,
} from '../nodes/dog-activity/activity-core';

export const STATES: readonly ActivityState[] = ['rest', 'moving', 'running'];

/** The activity state a gait stands for: sniffing and walking are moving, trotting and sprinting running. */
export function stateOfGait(gait: Gait): ActivityState {
  return gait === 'rest' ? 'rest' : gait === 'sniff' || gait === 'walk' ? 'moving' : 'running';
}

export function activitySite(dogs = 3): Site {
  const result = validateSite({
    name: 'activity',
    defaults: { rssiAt1m: -59, pathLossExponent: 2.2, tagHeight: 0.5 },
    scanners: [
      { id: 'sw', x: 0, y: 0, z: 1.5 },
      { id: 'ne', x: 20, y: 30, z: 1.5 },
    ],
    dogs: Array.from({ length: dogs }, (_, i) => ({
      id: `dog${i + 1}`,
      beacon: `ac:23:3f:a3:81:${(i + 16).toString(16)}`,
    })),
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.site;
}

/** The reading beacon-scan emits for a simulated advert (an accelerometer advert decoded as Minew's). */
export function readingOf(a: SimulatedAdvert): RssiReading {
  const r: RssiReading = {
    v: CONTRACT_VERSION,
    type: 'rssi',
    scanner: a.scanner,
    ts: a.ts,
    mac: a.mac,
    id: a.id,
    rssi: a.rssi,
    txPower: a.txPower,
    dog: a.dog,
  };
  if (a.frame === 'minew-accel' && a.accel) {
    r.frame = 'minew-accel';
    r.minew = { mac: a.mac, accel: a.accel };
    r.battery = a.battery;
  }
  return r;
}

export interface ActivityRun {
  /** confusion[truth][classified], minutes. */
  confusion: Record<ActivityState, Record<ActivityState, number>>;
  minutes: number;
  correct: number;
  activity: Activity[];
}

/**
 * Simulates `hours` of `dogs` dogs (rests of 1-15 min, as a real dog's day has) and classifies every
 * minute. A minute's truth is the state the dog spent most of it in (rest when at least half).
 */
export function runActivity(options: {
  seed: number;
  hours: number;
  dogs?: number;
  startTs?: number;
  core?: Partial<ActivityOptions>;
  /** Rest bouts, s (default 60-900: a day's rests; the simulator's own 5-40 s is a play session). */
  restSeconds?: [number, number];
}): ActivityRun {
  const site = activitySite(options.dogs ?? 3);
  const startTs = options.startTs ?? Date.UTC(2026, 10, 2, 8, 0, 0);
  const sim = new SiteSimulator(site, {
    startTs,
    seed: options.seed,
    accel: {},
    motion: { restSeconds: options.restSeconds ?? [60, 900] },
  });
  const core = new ActivityTracker(options.core);
  const truthSeconds = new Map<string, Map<number, [number, number, number]>>();
  const activity: Activity[] = [];
  const endTs = startTs + options.hours * 3_600_000;
  for (let t = startTs + 1000; t <= endTs; t += 1000) {
    for (const a of sim.advance(t)) {
      const out = core.ingest(readingOf(a));
      activity.push(...out.activity);
    }
    for (const truth of sim.truth()) {
      let perDog = truthSeconds.get(truth.dog);
      if (!perDog) truthSeconds.set(truth.dog, (perDog = new Map()));
      const minute = Math.floor((t - 1) / 60_000) * 60_000;
      const counts = perDog.get(minute) ?? [0, 0, 0];
      counts[STATES.indexOf(stateOfGait(truth.mode))]++;
      perDog.set(minute, counts);
    }
  }
  const confusion = Object.fromEntries(
    STATES.map((s) => [s, Object.fromEntries(STATES.map((c) => [c, 0]))]),
  ) as ActivityRun['confusion'];
  let minutes = 0;
  let correct = 0;
  for (const a of activity) {
    const counts = truthSeconds.get(a.dog)?.get(a.ts);
    if (!counts) continue;
    const truth: ActivityState =
      counts[0] >= counts[1] + counts[2] ? 'rest' : counts[2] > counts[1] ? 'running' : 'moving';
    confusion[truth][a.state]++;
    minutes++;
    if (truth === a.state) correct++;
  }
  return { confusion, minutes, correct, activity };
}

export function formatConfusion(run: ActivityRun): string {
  const lines = [`truth \\ classified  ${STATES.map((s) => s.padStart(8)).join('')}    recall`];
  for (const t of STATES) {
    const row = STATES.map((c) => String(run.confusion[t][c]).padStart(8)).join('');
    const n = STATES.reduce((s, c) => s + run.confusion[t][c], 0);
    lines.push(`${t.padEnd(20)}${row}    ${n ? ((100 * run.confusion[t][t]) / n).toFixed(1) : '-'} %`);
  }
  lines.push(
    `${run.correct} of ${run.minutes} minutes right: ${((100 * run.correct) / run.minutes).toFixed(1)} %`,
  );
  return lines.join('\n');
}

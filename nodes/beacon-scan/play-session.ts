// Simulate and replay without Node-RED: readings that bring their own event time, paced by a wall-clock
// scheduler into the pipeline; start, stop and restart on command or on a new site; bad replay lines
// counted; the status of the playback. The scheduler is given (its clock also starts a simulation).
import type { SiteView } from '../kernel/site-view';
import { errorMessage } from '../kernel/checks';
import type { ScanCommand } from './commands';
import type { BeaconScanConfig } from './config';
import type { SourcePipeline } from './pipeline';
import { Playback, SimulatedSource, type EventSource, type Scheduler } from './playback';
import { ReplayFileSource } from './replay-file';
import { playbackTickMs, playingStatus, type PlayedState, type SessionReport } from './scan-status';

export interface PlaySessionOptions {
  config: BeaconScanConfig & { mode: 'simulate' | 'replay' };
  /** The replay file, resolved against Node-RED's user folder. */
  replayFile: string;
  scheduler: Scheduler;
  /** Why there is no site to simulate: the link's problem, or undefined when none is configured. */
  siteProblem: () => string | undefined;
}

export const NO_SITE = 'simulate needs a tracker-site: choose one';

export class PlaySession {
  private playback: Playback | undefined;
  private played: PlayedState = { badLines: 0, running: false, done: false };
  private site: SiteView | undefined;
  private readonly config: PlaySessionOptions['config'];
  private readonly tickMs: number;

  constructor(
    private readonly o: PlaySessionOptions,
    private readonly pipeline: SourcePipeline,
    private readonly report: SessionReport,
  ) {
    this.config = o.config;
    this.tickMs = playbackTickMs(o.config.pipeline);
  }

  get running(): boolean {
    return this.played.running;
  }

  /** A (new) site: a simulation restarts with it. */
  setSite(view: SiteView | undefined): void {
    this.site = view;
    if (this.config.mode === 'simulate' && this.config.autoStart) this.start();
  }

  command(cmd: ScanCommand): void {
    if (cmd === 'stop') {
      this.stop();
      this.showStatus();
    } else if (cmd === 'rescan' || !this.played.running) this.start();
  }

  /** The status, if a playback has been started (the counters are refreshed on output). */
  refreshStatus(): void {
    if (this.playback) this.showStatus();
  }

  showStatus(): void {
    const { fill, shape, text } = playingStatus(this.config.mode, this.played, this.pipeline.stats.emitted);
    this.report.status(fill, shape, text);
  }

  start(): void {
    this.stop();
    const source = this.source();
    if (!source) return;
    const { config, pipeline } = this;
    const speed = config.mode === 'replay' ? config.replay.speed : config.sim.speed;
    this.played = { badLines: 0, running: true, done: false };
    const current = new Playback(source, { speed, tickMs: this.tickMs }, this.o.scheduler, {
      reading: (r) => pipeline.accept(r),
      tick: (ts) => pipeline.tick(ts),
      due: () => pipeline.nextDue(),
      end: () => {
        pipeline.flush();
        this.played.running = false;
        this.played.done = true;
        this.showStatus();
      },
      error: (err) => this.fail(`${config.mode} failed: ${errorMessage(err)}`),
    });
    this.playback = current;
    this.showStatus();
    current.start().catch((err: unknown) => {
      if (this.playback === current) this.fail(`${config.mode} cannot start: ${errorMessage(err)}`);
    });
  }

  stop(): void {
    if (!this.playback) return;
    this.playback.stop();
    this.playback = undefined;
    this.pipeline.flush();
    this.played.running = false;
  }

  /** The node closes: no flush, nothing is sent any more. */
  close(): void {
    this.playback?.stop();
    this.playback = undefined;
  }

  private fail(text: string): void {
    this.played.running = false;
    this.report.status('red', 'ring', text);
    this.report.log('error', text);
  }

  private source(): EventSource | undefined {
    const { config, report } = this;
    if (config.mode === 'replay') {
      const file = this.o.replayFile;
      return new ReplayFileSource(file, {
        warn: (line, problem) => {
          this.played.badLines++;
          report.log('warn', `${file} line ${line} skipped: ${problem}`);
        },
      });
    }
    const view = this.site;
    if (!view) {
      report.status('red', 'ring', this.o.siteProblem() ?? NO_SITE);
      return undefined;
    }
    if (!config.sim.allScanners && !view.scanner(config.scanner)) {
      const text = `scanner "${config.scanner}" is not in site "${view.name}": set the scanner id or simulate all scanners`;
      report.status('red', 'ring', text);
      report.log('warn', text);
      return undefined;
    }
    return new SimulatedSource(view.site, {
      startTs: this.o.scheduler.now(), // the simulation clock starts at the wall time of the start, then runs on its own
      seed: config.sim.seed,
      advIntervalMs: config.sim.advIntervalMs,
      scanners: config.sim.allScanners ? undefined : [config.scanner],
      durationMs: config.sim.speed === 0 ? config.sim.durationMs : undefined,
    });
  }
}

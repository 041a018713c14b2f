// beacon-scan: the node every Pi runs. Scans BLE (noble), simulates a site, or replays a capture, and emits
// `rssi` readings of the contract. Thin adapter over the cores in this folder.
//
// Clocks: readings carry event time `ts`. Live, the event time is the arrival time (Date.now()). In simulate
// and replay the readings bring their own event time and a wall-clock timer only paces them. The watchdog,
// retry and status timers are wall-clock timers.
import { execFile } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { topics } from '../kernel/contract';
import { linkSite, type SiteLink } from '../common/site-link';
import type { SiteView } from '../kernel/site-view';
import {
  BleScanner,
  type BleStackFactory,
  type Clock,
  type CommandRunner,
  type ScanState,
} from './ble-scanner';
import { Advertiser, type AdvertState } from './advertiser';
import { parseCommand, type ScanCommand } from './commands';
import { readConfig, type BeaconScanConfig, type BeaconScanProps } from './config';
import { decodeAdvert } from './frames';
import { nobleStack } from './noble-stack';
import { readingFromFrame, SourcePipeline, type Emission } from './pipeline';
import { Playback, SimulatedSource, type EventSource, type Scheduler } from './playback';
import { ReplayFileSource } from './replay-file';

interface BeaconScanDef extends NodeDef, BeaconScanProps {
  site?: string;
}

/** Seams for tests and unusual set-ups, read from `settings.beaconScan` (settings.js). */
interface BeaconScanSettings {
  /** Makes the noble stack of an adapter (default: @abandonware/noble on hci<N>). */
  createStack?: BleStackFactory;
  /** Wall clock and timers of the watchdog. */
  clock?: Clock;
  /** Runs the adapter reset command (default: child_process.execFile). */
  runCommand?: CommandRunner;
}

/** The status counters are refreshed on output at most this often (no timer: idle, nothing changes). */
const STATUS_REFRESH_MS = 2000;
/** Simulate / replay without batching or rate limit: readings go out within this many wall ms. */
const PLAYBACK_TICK_MS = 50;
const RESET_TIMEOUT_MS = 15_000;

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (handle) => clearImmediate(handle as NodeJS.Immediate),
};

const execCommand: CommandRunner = (file, args, timeoutMs, done) => {
  execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
    done(err, `${String(stderr)}${String(stdout)}`),
  );
};

export = (RED: NodeAPI): void => {
  function BeaconScan(this: Node, def: BeaconScanDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const seams = (RED.settings as unknown as { beaconScan?: BeaconScanSettings }).beaconScan ?? {};
    const read = readConfig(def, os.hostname());
    if (!read.ok) {
      node.status({ fill: 'red', shape: 'ring', text: read.problem });
      node.error(`beacon-scan settings: ${read.problem}`);
      node.on('input', (_msg, _send, done) =>
        done(new Error(`beacon-scan is not configured: ${read.problem}`)),
      );
      return;
    }
    const config: BeaconScanConfig = read.config;
    const clock = seams.clock ?? realClock;
    const label = config.mode === 'scan' ? `hci${config.deviceId}` : config.mode;
    // A paced playback sleeps until the pipeline is due (see Playback); without batching or a rate limit
    // readings go out as they come, within PLAYBACK_TICK_MS.
    const { batchMs = 0, maxPerSecond = 0 } = config.pipeline;
    const playbackTickMs =
      batchMs > 0
        ? batchMs
        : maxPerSecond > 0
          ? Math.max(PLAYBACK_TICK_MS, 1000 / maxPerSecond)
          : PLAYBACK_TICK_MS;

    const topicOf = new Map<string, string>();
    let statusAt = Number.NEGATIVE_INFINITY;
    const pipeline = new SourcePipeline(config.pipeline, (out: Emission) => {
      let topic = topicOf.get(out.scanner);
      if (topic === undefined) topicOf.set(out.scanner, (topic = topics.rssi(out.scanner)));
      node.send({ topic, payload: out.payload });
      const now = clock.now();
      if (now - statusAt >= STATUS_REFRESH_MS) {
        statusAt = now;
        refreshStatus();
      }
    });
    const refreshStatus = (): void => {
      if (scanner) scanStatus(scanner.current);
      else if (playback) playStatus();
    };

    let site: SiteLink | undefined;
    let siteView: SiteView | undefined;
    let lastStatus = '';
    const showStatus = (
      fill: 'red' | 'green' | 'yellow' | 'grey' | 'blue',
      shape: 'dot' | 'ring',
      text: string,
    ) => {
      const key = `${fill}|${shape}|${text}`;
      if (key === lastStatus) return;
      lastStatus = key;
      node.status({ fill, shape, text });
    };

    // --- live scanning -------------------------------------------------------------------------------
    let scanner: BleScanner | undefined;
    let advertiser: Advertiser | undefined;
    const scanStatus = (s: ScanState): void => {
      // The adapter is up once scanning: the scanner's own beacon goes out on it (see advertiser.ts).
      if (s.phase === 'scanning' && scanner && advertiser) advertiser.attach(scanner.bindings);
      const advert = advertiser?.current;
      const refused = advert?.phase === 'refused' ? advert.problem : undefined;
      const counts = `${s.adverts} adv${s.stalls ? ` · ${s.stalls} stalls` : ''}${s.resets ? ` · ${s.resets} resets` : ''}`;
      switch (s.phase) {
        case 'scanning':
          // Scanning goes on when the adapter will not advertise; the status says so in yellow.
          return refused
            ? showStatus(
                'yellow',
                'dot',
                `scanning ${label} · ${pipeline.stats.emitted} sent · ${counts} · ${refused}`,
              )
            : showStatus(
                'green',
                'dot',
                `scanning ${label} · ${pipeline.stats.emitted} sent · ${counts}${advert?.phase === 'advertising' ? ' · advertising' : ''}`,
              );
        case 'stalled':
          return showStatus('yellow', 'ring', `stalled: ${s.problem ?? 'no advertisements'} · ${counts}`);
        case 'restarting':
          return showStatus('yellow', 'ring', `stalled, restarting scan · ${counts}`);
        case 'resetting':
          return showStatus('yellow', 'ring', `stalled, resetting adapter · ${counts}`);
        case 'starting':
          return showStatus('yellow', 'ring', `starting ${label}`);
        case 'waiting':
        case 'unavailable':
          // With a hint something needs doing (red); without one noble is just busy (resetting, unknown).
          return s.hint
            ? showStatus('red', 'ring', `${s.problem}: ${s.hint}`)
            : showStatus('yellow', 'ring', s.problem ?? s.phase);
        case 'stopped':
          return showStatus('grey', 'ring', `stopped · ${counts}`);
      }
    };

    // --- simulate / replay -----------------------------------------------------------------------------
    let playback: Playback | undefined;
    let played = { badLines: 0, running: false, done: false };
    const playStatus = (): void => {
      const what = config.mode === 'simulate' ? 'simulating' : 'replaying';
      const bad = played.badLines ? ` · ${played.badLines} bad lines` : '';
      if (played.running) showStatus('green', 'dot', `${what} · ${pipeline.stats.emitted} sent${bad}`);
      else if (played.done)
        showStatus('grey', 'dot', `${config.mode} done · ${pipeline.stats.emitted} sent${bad}`);
      else showStatus('grey', 'ring', `stopped · ${pipeline.stats.emitted} sent${bad}`);
    };

    const playSource = (): EventSource | undefined => {
      if (config.mode === 'replay') {
        const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
        const file = path.resolve(userDir, config.replay.file);
        return new ReplayFileSource(file, {
          warn: (line, problem) => {
            played.badLines++;
            node.warn(`${file} line ${line} skipped: ${problem}`);
          },
        });
      }
      const view: SiteView | undefined = siteView;
      if (!view) {
        showStatus('red', 'ring', site ? site.problem : 'simulate needs a tracker-site: choose one');
        return undefined;
      }
      if (!config.sim.allScanners && !view.scanner(config.scanner)) {
        const text = `scanner "${config.scanner}" is not in site "${view.name}": set the scanner id or simulate all scanners`;
        showStatus('red', 'ring', text);
        node.warn(text);
        return undefined;
      }
      return new SimulatedSource(view.site, {
        startTs: Date.now(), // the simulation clock starts at the wall time of the start, then runs on its own
        seed: config.sim.seed,
        advIntervalMs: config.sim.advIntervalMs,
        scanners: config.sim.allScanners ? undefined : [config.scanner],
        durationMs: config.sim.speed === 0 ? config.sim.durationMs : undefined,
      });
    };

    const startPlayback = (): void => {
      stopPlayback();
      const source = playSource();
      if (!source) return;
      const speed = config.mode === 'replay' ? config.replay.speed : config.sim.speed;
      played = { badLines: 0, running: true, done: false };
      const current = new Playback(source, { speed, tickMs: playbackTickMs }, realScheduler, {
        reading: (r) => pipeline.accept(r),
        tick: (ts) => pipeline.tick(ts),
        due: () => pipeline.nextDue(),
        end: () => {
          pipeline.flush();
          played.running = false;
          played.done = true;
          playStatus();
        },
        error: (err) => {
          played.running = false;
          const text = `${config.mode} failed: ${errorMessage(err)}`;
          showStatus('red', 'ring', text);
          node.error(text);
        },
      });
      playback = current;
      playStatus();
      current.start().catch((err: unknown) => {
        if (playback !== current) return;
        played.running = false;
        const text = `${config.mode} cannot start: ${errorMessage(err)}`;
        showStatus('red', 'ring', text);
        node.error(text);
      });
    };

    const stopPlayback = (): void => {
      if (!playback) return;
      playback.stop();
      playback = undefined;
      pipeline.flush();
      played.running = false;
    };

    // --- wiring ------------------------------------------------------------------------------------------
    const command = (cmd: ScanCommand): void => {
      if (config.mode === 'scan') {
        if (cmd === 'start') scanner?.start();
        else if (cmd === 'stop') {
          scanner?.stop();
          pipeline.flush();
        } else scanner?.rescan();
        return;
      }
      if (cmd === 'stop') {
        stopPlayback();
        playStatus();
      } else if (cmd === 'rescan' || !played.running) startPlayback();
    };

    if (def.site) {
      site = linkSite(RED, node, def.site, (view) => {
        siteView = view;
        pipeline.setSite(view);
        // A new site restarts a simulation with it.
        if (config.mode === 'simulate' && config.autoStart) startPlayback();
      });
    }

    // Live readings held by the rate limit or a batch are released on the arrival clock, by one timer set
    // for when the pipeline next has work (no polling: a Pi that hears nothing wakes for nothing).
    let tickHandle: unknown;
    let tickAt = Number.POSITIVE_INFINITY;
    const schedule = (): void => {
      const due = pipeline.nextDue();
      if (due === undefined || due >= tickAt) return;
      if (tickHandle !== undefined) clock.clearTimeout(tickHandle);
      tickAt = due;
      tickHandle = clock.setTimeout(tick, Math.max(0, due - clock.now()));
    };
    const tick = (): void => {
      tickHandle = undefined;
      tickAt = Number.POSITIVE_INFINITY;
      try {
        pipeline.tick(clock.now());
        schedule();
      } catch (err) {
        node.error(`beacon-scan: ${errorMessage(err)}`);
      }
    };

    if (config.mode === 'scan') {
      advertiser = new Advertiser(
        {
          scanner: config.scanner,
          enabled: config.advertise.enabled,
          intervalMs: config.advertise.intervalMs,
        },
        clock,
        (a: AdvertState) => {
          if (a.phase === 'refused' || a.phase === 'unsupported')
            node.warn(`beacon-scan: not advertising: ${a.problem}`);
          if (scanner) scanStatus(scanner.current);
        },
      );
      scanner = new BleScanner(
        {
          deviceId: config.deviceId,
          stallMs: config.stallMs,
          resetAfterStalls: config.resetAfterStalls,
          resetCommand: config.resetCommand,
          resetTimeoutMs: RESET_TIMEOUT_MS,
          retryMs: config.retryMs,
        },
        seams.createStack ?? nobleStack,
        clock,
        seams.runCommand ?? execCommand,
        {
          advert: (a) => {
            pipeline.accept(readingFromFrame(config.scanner, a.ts, a.mac, a.rssi, decodeAdvert(a)));
            schedule();
          },
          state: scanStatus,
          log: (level, text) =>
            level === 'info' ? node.log(text) : level === 'warn' ? node.warn(text) : node.error(text),
        },
      );
      if (config.autoStart) scanner.start();
      else scanStatus(scanner.current);
    } else if (config.mode === 'replay' && config.autoStart) {
      startPlayback();
    } else if (config.mode === 'simulate' && !def.site) {
      showStatus('red', 'ring', 'simulate needs a tracker-site: choose one');
    } else if (!config.autoStart) {
      playStatus();
    }

    node.on('input', (msg, _send, done) => {
      const parsed = parseCommand(msg.payload);
      if (!parsed.ok) {
        done(new Error(parsed.problem));
        return;
      }
      try {
        command(parsed.cmd);
        done();
      } catch (err) {
        done(err instanceof Error ? err : new Error(errorMessage(err)));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (tickHandle !== undefined) clock.clearTimeout(tickHandle);
      advertiser?.close();
      scanner?.close();
      if (playback) playback.stop();
      playback = undefined;
      done();
    });
  }

  RED.nodes.registerType('beacon-scan', BeaconScan);
};

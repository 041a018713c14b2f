// beacon-scan: the node every Pi runs. Scans BLE (noble), simulates a site, or replays a capture, and emits
// `rssi` readings of the contract. Thin adapter over scan-session.ts (live), play-session.ts (simulate,
// replay), the pipeline and the status texts (scan-status.ts).
//
// Clocks: readings carry event time `ts`. Live, the event time is the arrival time (Date.now()). In simulate
// and replay the readings bring their own event time and a wall-clock timer only paces them. The watchdog,
// retry and status timers are wall-clock timers.
import { execFile } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { linkSite, type SiteLink } from '../common/site-link';
import type { BleStackFactory, Clock, CommandRunner } from './ble-scanner';
import { parseCommand } from './commands';
import { readConfig, type BeaconScanProps } from './config';
import { nobleStack } from './noble-stack';
import { SourcePipeline } from './pipeline';
import type { Scheduler } from './playback';
import { NO_SITE, PlaySession } from './play-session';
import { ReadingOutput } from './reading-output';
import { sourceLabel, StatusLatch, type SessionReport } from './scan-status';
import { ScanSession } from './scan-session';

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

const realScheduler: Scheduler & Clock = {
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
    const config = read.config;
    const clock = seams.clock ?? realScheduler;
    const latch = new StatusLatch((s) => node.status(s));
    const report: SessionReport = {
      status: (fill, shape, text) => latch.status(fill, shape, text),
      log: (level, text) =>
        level === 'info' ? node.log(text) : level === 'warn' ? node.warn(text) : node.error(text),
    };
    let live: ScanSession | undefined;
    let play: PlaySession | undefined;
    const output = new ReadingOutput(
      () => clock.now(),
      (msg) => node.send({ topic: msg.topic, payload: msg.payload }),
      () => {
        if (live) live.refreshStatus();
        else play?.refreshStatus();
      },
    );
    const pipeline = new SourcePipeline(config.pipeline, (out) => output.emit(out));

    let site: SiteLink | undefined;
    if (config.mode !== 'scan') {
      const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
      play = new PlaySession(
        {
          config: { ...config, mode: config.mode },
          replayFile: path.resolve(userDir, config.replay.file),
          scheduler: realScheduler,
          siteProblem: () => site?.problem,
        },
        pipeline,
        report,
      );
    }
    if (def.site) {
      site = linkSite(RED, node, def.site, (view) => {
        pipeline.setSite(view);
        play?.setSite(view);
      });
    }

    if (config.mode === 'scan') {
      const stack = {
        createStack: seams.createStack ?? nobleStack,
        clock,
        runCommand: seams.runCommand ?? execCommand,
      };
      live = new ScanSession(config, sourceLabel(config), pipeline, stack, report);
      live.open();
    } else if (config.mode === 'replay' && config.autoStart) {
      play?.start();
    } else if (config.mode === 'simulate' && !def.site) {
      report.status('red', 'ring', NO_SITE);
    } else if (!config.autoStart) {
      play?.showStatus();
    }

    node.on('input', (msg, _send, done) => {
      const parsed = parseCommand(msg.payload);
      if (!parsed.ok) {
        done(new Error(parsed.problem));
        return;
      }
      try {
        if (live) live.command(parsed.cmd);
        else play?.command(parsed.cmd);
        done();
      } catch (err) {
        done(err instanceof Error ? err : new Error(errorMessage(err)));
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      live?.close();
      play?.close();
      done();
    });
  }

  RED.nodes.registerType('beacon-scan', BeaconScan);
};

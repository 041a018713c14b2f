// The cores behind the beacon-scan adapter, without Node-RED: status texts and their latch, the output of
// readings with its status refresh, live scanning on the real noble over test bindings and a fake clock,
// and simulate / replay sessions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RssiReading } from '../../nodes/kernel/contract';
import { SiteView } from '../../nodes/kernel/site-view';
import { readConfig, type BeaconScanConfig, type BeaconScanProps } from '../../nodes/beacon-scan/config';
import { SourcePipeline, type Emission } from '../../nodes/beacon-scan/pipeline';
import type { Scheduler } from '../../nodes/beacon-scan/playback';
import { NO_SITE, PlaySession } from '../../nodes/beacon-scan/play-session';
import { ReadingOutput, STATUS_REFRESH_MS, type RssiMessage } from '../../nodes/beacon-scan/reading-output';
import {
  playbackTickMs,
  playingStatus,
  scanningStatus,
  sourceLabel,
  StatusLatch,
  type SessionReport,
  type StatusChoice,
} from '../../nodes/beacon-scan/scan-status';
import { ScanSession } from '../../nodes/beacon-scan/scan-session';
import { siteText } from '../tracker-site/fixtures';
import { FakeClock, settle, testStackFactory } from './test-bindings';
import { advertisingData, vector } from './vectors';

function config(props: BeaconScanProps): BeaconScanConfig {
  const read = readConfig(props, 'pi-test');
  assert.ok(read.ok, read.ok ? '' : read.problem);
  return read.config;
}

/** A report that keeps what it was told; statuses through a latch, as the adapter does. */
function recorder(): SessionReport & { statuses: StatusChoice[]; logs: string[] } {
  const statuses: StatusChoice[] = [];
  const logs: string[] = [];
  const latch = new StatusLatch((s) => statuses.push(s));
  return {
    statuses,
    logs,
    status: (fill, shape, text) => latch.status(fill, shape, text),
    log: (level, text) => logs.push(`${level}: ${text}`),
  };
}

const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (h) => clearImmediate(h as NodeJS.Immediate),
};

const readingsOf = (out: Emission[]): RssiReading[] =>
  out.flatMap((e) => (Array.isArray(e.payload) ? e.payload : [e.payload]));

describe('beacon-scan status texts', () => {
  const state = { adverts: 12, stalls: 0, resets: 0 };

  it('names the counts, and the refusal to advertise in yellow', () => {
    assert.deepEqual(scanningStatus('hci0', { ...state, phase: 'scanning' }, { phase: 'advertising' }, 7), {
      fill: 'green',
      shape: 'dot',
      text: 'scanning hci0 · 7 sent · 12 adv · advertising',
    });
    const refused = scanningStatus(
      'hci0',
      { ...state, phase: 'scanning', stalls: 2 },
      { phase: 'refused', problem: 'busy' },
      0,
    );
    assert.deepEqual(refused, {
      fill: 'yellow',
      shape: 'dot',
      text: 'scanning hci0 · 0 sent · 12 adv · 2 stalls · busy',
    });
  });

  it('is red only when there is something to do', () => {
    const busy = scanningStatus(
      'hci0',
      { ...state, phase: 'waiting', problem: 'adapter resetting' },
      undefined,
      0,
    );
    assert.deepEqual([busy.fill, busy.text], ['yellow', 'adapter resetting']);
    const hint = scanningStatus(
      'hci0',
      { ...state, phase: 'unavailable', problem: 'no permission', hint: 'run setcap' },
      undefined,
      0,
    );
    assert.deepEqual([hint.fill, hint.text], ['red', 'no permission: run setcap']);
    assert.equal(
      scanningStatus('hci0', { ...state, phase: 'stopped', resets: 1 }, undefined, 0).text,
      'stopped · 12 adv · 1 resets',
    );
  });

  it('says how a playback stands', () => {
    assert.equal(
      playingStatus('simulate', { badLines: 0, running: true, done: false }, 3).text,
      'simulating · 3 sent',
    );
    assert.deepEqual(playingStatus('replay', { badLines: 2, running: false, done: true }, 3), {
      fill: 'grey',
      shape: 'dot',
      text: 'replay done · 3 sent · 2 bad lines',
    });
    assert.equal(
      playingStatus('replay', { badLines: 0, running: false, done: false }, 0).text,
      'stopped · 0 sent',
    );
  });

  it('paces playback by the batch, else by the rate limit, else every 50 ms', () => {
    assert.equal(playbackTickMs({ batchMs: 500, maxPerSecond: 2 }), 500);
    assert.equal(playbackTickMs({ maxPerSecond: 2 }), 500);
    assert.equal(playbackTickMs({ maxPerSecond: 100 }), 50);
    assert.equal(playbackTickMs({}), 50);
    assert.equal(sourceLabel({ mode: 'scan', deviceId: 1 }), 'hci1');
    assert.equal(sourceLabel({ mode: 'replay', deviceId: 1 }), 'replay');
  });

  it('shows a status only when it changes', () => {
    const shown: StatusChoice[] = [];
    const latch = new StatusLatch((s) => shown.push(s));
    latch.status('green', 'dot', 'a');
    latch.status('green', 'dot', 'a');
    latch.status('green', 'ring', 'a');
    latch.status('green', 'dot', 'a');
    assert.equal(shown.length, 3);
  });
});

describe('ReadingOutput', () => {
  it('sends under the scanner topic and refreshes the status at most every 2 s of its clock', () => {
    let now = 0;
    const sent: RssiMessage[] = [];
    let refreshes = 0;
    const output = new ReadingOutput(
      () => now,
      (m) => sent.push(m),
      () => refreshes++,
    );
    const payload = {
      v: 1,
      type: 'rssi',
      scanner: 'pi-1',
      seq: 0,
      ts: 1,
      mac: 'aa:bb:cc:dd:ee:ff',
      rssi: -60,
    } as const;
    output.emit({ scanner: 'pi-1', payload });
    now = STATUS_REFRESH_MS - 1;
    output.emit({ scanner: 'pi-1', payload });
    now = STATUS_REFRESH_MS;
    output.emit({ scanner: 'pi/2', payload });
    assert.deepEqual(
      sent.map((m) => m.topic),
      ['dogtracker/v1/rssi/pi-1', 'dogtracker/v1/rssi/pi-1', 'dogtracker/v1/rssi/pi_2'],
    );
    assert.equal(refreshes, 2);
  });
});

describe('ScanSession', () => {
  it('scans, holds a batch until the fake clock is due, flushes on stop and leaves no timer on close', async () => {
    const clock = new FakeClock();
    const stacks = testStackFactory();
    const out: Emission[] = [];
    const cfg = config({ mode: 'scan', scanner: 'pi-1', batchMs: 1000, advertise: false });
    const pipeline = new SourcePipeline(cfg.pipeline, (e) => out.push(e));
    const report = recorder();
    const session = new ScanSession(
      cfg,
      'hci0',
      pipeline,
      { createStack: stacks.create, clock, runCommand: () => undefined },
      report,
    );
    session.open();
    await settle();
    assert.equal(report.statuses.at(-1)?.text, 'scanning hci0 · 0 sent · 0 adv');
    const bindings = stacks.made[0].bindings;
    const v = vector('ibeacon-bluecharm');
    bindings.advertise('c3:00:00:00:00:01', advertisingData(v), -61);
    assert.equal(out.length, 0, 'held for the batch');
    assert.equal(clock.pending > 0, true);
    clock.advance(1000);
    assert.equal(readingsOf(out).length, 1);
    assert.equal(readingsOf(out)[0].rssi, -61);
    bindings.advertise('c3:00:00:00:00:01', advertisingData(v), -62);
    session.command('stop');
    assert.deepEqual(
      readingsOf(out).map((r) => r.rssi),
      [-61, -62],
    );
    session.refreshStatus();
    assert.match(report.statuses.at(-1)?.text ?? '', /^stopped · 2 adv/);
    session.close();
    assert.equal(clock.pending, 0);
  });

  it('shows a node that does not auto-start as stopped', () => {
    const clock = new FakeClock();
    const stacks = testStackFactory();
    const cfg = config({ mode: 'scan', autoStart: false, advertise: false });
    const report = recorder();
    const session = new ScanSession(
      cfg,
      'hci0',
      new SourcePipeline(cfg.pipeline, () => undefined),
      { createStack: stacks.create, clock, runCommand: () => undefined },
      report,
    );
    session.open();
    assert.equal(stacks.made.length, 0);
    assert.equal(report.statuses.at(-1)?.text, 'stopped · 0 adv');
    session.close();
  });
});

describe('PlaySession', () => {
  const site = SiteView.fromJson(siteText());
  const simProps: BeaconScanProps = {
    mode: 'simulate',
    scanner: 'pi-yard-ne',
    simSpeed: 0,
    simDurationS: 10,
  };

  function play(props: BeaconScanProps, replayFile = '', siteProblem?: string) {
    const cfg = config(props);
    assert.ok(cfg.mode !== 'scan');
    const out: Emission[] = [];
    const pipeline = new SourcePipeline(cfg.pipeline, (e) => out.push(e));
    const report = recorder();
    const session = new PlaySession(
      {
        config: { ...cfg, mode: cfg.mode },
        replayFile,
        scheduler: realScheduler,
        siteProblem: () => siteProblem,
      },
      pipeline,
      report,
    );
    /** Resolves once the status says the playback is done. */
    const finished = (): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (!session.running) resolve();
          else setImmediate(check);
        };
        check();
      });
    return { session, out, report, finished };
  }

  it('simulates a site as fast as possible to the end, then says it is done', async () => {
    const p = play(simProps);
    p.session.setSite(site); // auto-start: a site starts the simulation
    assert.equal(p.session.running, true);
    assert.equal(p.report.statuses[0].text, 'simulating · 0 sent');
    await p.finished();
    const readings = readingsOf(p.out);
    assert.ok(readings.length > 0);
    assert.ok(readings.every((r) => r.scanner === 'pi-yard-ne'));
    assert.equal(p.report.statuses.at(-1)?.text, `simulate done · ${readings.length} sent`);
  });

  it('does not simulate without a site, or for a scanner the site does not have', () => {
    const none = play(simProps, '', 'the tracker-site has not loaded yet');
    none.session.start();
    assert.equal(none.report.statuses.at(-1)?.text, 'the tracker-site has not loaded yet');
    const unset = play({ ...simProps, autoStart: false });
    unset.session.command('start');
    assert.equal(unset.report.statuses.at(-1)?.text, NO_SITE);
    const stranger = play({ ...simProps, scanner: 'pi-elsewhere', autoStart: false });
    stranger.session.setSite(site);
    stranger.session.command('start');
    assert.equal(stranger.session.running, false);
    assert.equal(stranger.report.statuses.at(-1)?.fill, 'red');
    assert.match(stranger.report.logs[0] ?? '', /scanner "pi-elsewhere" is not in site "Home"/);
  });

  it('replays a file, counts its bad lines and stops on command', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'play-session-'));
    try {
      const file = path.join(dir, 'capture.jsonl');
      const r = { v: 1, type: 'rssi', scanner: 'pi', ts: 5, mac: 'ac:23:3f:a3:80:4b', rssi: -60 };
      writeFileSync(file, [JSON.stringify(r), 'not json', JSON.stringify({ ...r, ts: 6 })].join('\n') + '\n');
      const p = play({ mode: 'replay', replayFile: 'capture.jsonl', replaySpeed: 0 }, file);
      p.session.start();
      await p.finished();
      assert.equal(readingsOf(p.out).length, 2);
      assert.equal(p.report.statuses.at(-1)?.text, 'replay done · 2 sent · 1 bad lines');
      assert.match(p.report.logs[0], /^warn: .*capture\.jsonl line 2 skipped/);
      p.session.command('rescan');
      p.session.command('stop');
      assert.equal(p.session.running, false);
      assert.match(p.report.statuses.at(-1)?.text ?? '', /^stopped · \d+ sent/);
      p.session.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

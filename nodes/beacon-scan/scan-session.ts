// Live scanning without Node-RED: the BLE scanner and the scanner's own beacon on one adapter, readings
// into the pipeline, held readings released by one timer set for when the pipeline next has work (no
// polling: a Pi that hears nothing wakes for nothing), commands and the status. Stack, clock and the
// reset command are given, so tests run it on fake bindings and a fake clock.
import { errorMessage } from '../kernel/checks';
import { Advertiser, type AdvertState } from './advertiser';
import {
  BleScanner,
  type BleStackFactory,
  type Clock,
  type CommandRunner,
  type ScanState,
} from './ble-scanner';
import type { ScanCommand } from './commands';
import type { BeaconScanConfig } from './config';
import { decodeAdvert } from './frames';
import { readingFromFrame, type SourcePipeline } from './pipeline';
import { scanningStatus, type SessionReport } from './scan-status';

const RESET_TIMEOUT_MS = 15_000;

export interface ScanSeams {
  createStack: BleStackFactory;
  clock: Clock;
  runCommand: CommandRunner;
}

export class ScanSession {
  /** Set once constructed: its events (and the advertiser's) may come before. */
  private scanner: BleScanner | undefined;
  private readonly advertiser: Advertiser;
  private tickHandle: unknown;
  private tickAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly config: BeaconScanConfig,
    private readonly label: string,
    private readonly pipeline: SourcePipeline,
    private readonly seams: ScanSeams,
    private readonly report: SessionReport,
  ) {
    this.advertiser = new Advertiser(
      { scanner: config.scanner, enabled: config.advertise.enabled, intervalMs: config.advertise.intervalMs },
      seams.clock,
      (a: AdvertState) => {
        if (a.phase === 'refused' || a.phase === 'unsupported')
          report.log('warn', `beacon-scan: not advertising: ${a.problem}`);
        if (this.scanner) this.showStatus(this.scanner.current);
      },
    );
    this.scanner = new BleScanner(
      {
        deviceId: config.deviceId,
        stallMs: config.stallMs,
        resetAfterStalls: config.resetAfterStalls,
        resetCommand: config.resetCommand,
        resetTimeoutMs: RESET_TIMEOUT_MS,
        retryMs: config.retryMs,
      },
      seams.createStack,
      seams.clock,
      seams.runCommand,
      {
        advert: (a) => {
          pipeline.accept(readingFromFrame(config.scanner, a.ts, a.mac, a.rssi, decodeAdvert(a)));
          this.schedule();
        },
        state: (s) => this.showStatus(s),
        log: (level, text) => report.log(level, text),
      },
    );
  }

  /** Starts scanning if the node auto-starts, else shows it stopped. */
  open(): void {
    if (!this.scanner) return;
    if (this.config.autoStart) this.scanner.start();
    else this.showStatus(this.scanner.current);
  }

  command(cmd: ScanCommand): void {
    if (cmd === 'start') this.scanner?.start();
    else if (cmd === 'stop') {
      this.scanner?.stop();
      this.pipeline.flush();
    } else this.scanner?.rescan();
  }

  refreshStatus(): void {
    if (this.scanner) this.showStatus(this.scanner.current);
  }

  close(): void {
    if (this.tickHandle !== undefined) this.seams.clock.clearTimeout(this.tickHandle);
    this.advertiser.close();
    this.scanner?.close();
  }

  private showStatus(s: ScanState): void {
    // The adapter is up once scanning: the scanner's own beacon goes out on it (see advertiser.ts).
    if (s.phase === 'scanning' && this.scanner) this.advertiser.attach(this.scanner.bindings);
    const { fill, shape, text } = scanningStatus(
      this.label,
      s,
      this.advertiser.current,
      this.pipeline.stats.emitted,
    );
    this.report.status(fill, shape, text);
  }

  /** Live readings held by the rate limit or a batch are released on the arrival clock. */
  private schedule(): void {
    const due = this.pipeline.nextDue();
    if (due === undefined || due >= this.tickAt) return;
    const { clock } = this.seams;
    if (this.tickHandle !== undefined) clock.clearTimeout(this.tickHandle);
    this.tickAt = due;
    this.tickHandle = clock.setTimeout(() => this.tick(), Math.max(0, due - clock.now()));
  }

  private tick(): void {
    this.tickHandle = undefined;
    this.tickAt = Number.POSITIVE_INFINITY;
    try {
      this.pipeline.tick(this.seams.clock.now());
      this.schedule();
    } catch (err) {
      this.report.log('error', `beacon-scan: ${errorMessage(err)}`);
    }
  }
}

// What beacon-scan shows under the node, without Node-RED: the status text of each scanner phase and of a
// playback, a latch that shows a status only when it changes, and the pacing of a playback.
import type { AdvertState } from './advertiser';
import type { ScanState } from './ble-scanner';
import type { BeaconScanConfig } from './config';
import type { PipelineOptions } from './pipeline';

export type StatusFill = 'red' | 'green' | 'yellow' | 'grey' | 'blue';
export type StatusShape = 'dot' | 'ring';

export interface StatusChoice {
  fill: StatusFill;
  shape: StatusShape;
  text: string;
}

/** Where the sessions report to: the node's status and log. */
export interface SessionReport {
  status(fill: StatusFill, shape: StatusShape, text: string): void;
  log(level: 'info' | 'warn' | 'error', text: string): void;
}

/** Simulate / replay without batching or rate limit: readings go out within this many wall ms. */
const PLAYBACK_TICK_MS = 50;

/**
 * A paced playback sleeps until the pipeline is due (see Playback); without batching or a rate limit
 * readings go out as they come, within PLAYBACK_TICK_MS.
 */
export function playbackTickMs({ batchMs = 0, maxPerSecond = 0 }: PipelineOptions): number {
  if (batchMs > 0) return batchMs;
  return maxPerSecond > 0 ? Math.max(PLAYBACK_TICK_MS, 1000 / maxPerSecond) : PLAYBACK_TICK_MS;
}

/** What the status names the source by: the adapter when scanning, else the mode. */
export function sourceLabel(config: Pick<BeaconScanConfig, 'mode' | 'deviceId'>): string {
  return config.mode === 'scan' ? `hci${config.deviceId}` : config.mode;
}

/** Shows a status only when it differs from the last one shown (statuses go to every editor). */
export class StatusLatch {
  private last = '';

  constructor(private readonly show: (status: StatusChoice) => void) {}

  status(fill: StatusFill, shape: StatusShape, text: string): void {
    const key = `${fill}|${shape}|${text}`;
    if (key === this.last) return;
    this.last = key;
    this.show({ fill, shape, text });
  }
}

/** The status of live scanning, with the readings sent and the scanner's own advertising. */
export function scanningStatus(
  label: string,
  s: ScanState,
  advert: AdvertState | undefined,
  sent: number,
): StatusChoice {
  const refused = advert?.phase === 'refused' ? advert.problem : undefined;
  const counts = `${s.adverts} adv${s.stalls ? ` · ${s.stalls} stalls` : ''}${s.resets ? ` · ${s.resets} resets` : ''}`;
  const c = (fill: StatusFill, shape: StatusShape, text: string): StatusChoice => ({ fill, shape, text });
  switch (s.phase) {
    case 'scanning':
      // Scanning goes on when the adapter will not advertise; the status says so in yellow.
      return refused
        ? c('yellow', 'dot', `scanning ${label} · ${sent} sent · ${counts} · ${refused}`)
        : c(
            'green',
            'dot',
            `scanning ${label} · ${sent} sent · ${counts}${advert?.phase === 'advertising' ? ' · advertising' : ''}`,
          );
    case 'stalled':
      return c('yellow', 'ring', `stalled: ${s.problem ?? 'no advertisements'} · ${counts}`);
    case 'restarting':
      return c('yellow', 'ring', `stalled, restarting scan · ${counts}`);
    case 'resetting':
      return c('yellow', 'ring', `stalled, resetting adapter · ${counts}`);
    case 'starting':
      return c('yellow', 'ring', `starting ${label}`);
    case 'waiting':
    case 'unavailable':
      // With a hint something needs doing (red); without one noble is just busy (resetting, unknown).
      return s.hint ? c('red', 'ring', `${s.problem}: ${s.hint}`) : c('yellow', 'ring', s.problem ?? s.phase);
    case 'stopped':
      return c('grey', 'ring', `stopped · ${counts}`);
  }
}

export interface PlayedState {
  badLines: number;
  running: boolean;
  done: boolean;
}

/** The status of a simulation or replay. */
export function playingStatus(mode: 'simulate' | 'replay', played: PlayedState, sent: number): StatusChoice {
  const bad = played.badLines ? ` · ${played.badLines} bad lines` : '';
  if (played.running)
    return {
      fill: 'green',
      shape: 'dot',
      text: `${mode === 'simulate' ? 'simulating' : 'replaying'} · ${sent} sent${bad}`,
    };
  if (played.done) return { fill: 'grey', shape: 'dot', text: `${mode} done · ${sent} sent${bad}` };
  return { fill: 'grey', shape: 'ring', text: `stopped · ${sent} sent${bad}` };
}

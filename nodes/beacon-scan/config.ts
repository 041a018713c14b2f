// The node's settings as typed values with their defaults; problems are named so the status can show them.
import { readSettings } from '../kernel/settings';
import { BEACON_SCAN_SETTINGS } from '../kernel/settings/beacon-scan';
import { parseList, type PipelineOptions } from './pipeline';

export type Mode = 'scan' | 'simulate' | 'replay';

/** Properties as the editor stores them (strings or numbers, possibly empty). */
export interface BeaconScanProps {
  mode?: string;
  scanner?: string;
  adapter?: string;
  autoStart?: boolean;
  allow?: string;
  allowDogs?: boolean;
  block?: string;
  minRssi?: string | number;
  beaconsOnly?: boolean;
  maxPerSecond?: string | number;
  batchMs?: string | number;
  stallS?: string | number;
  resetAfter?: string | number;
  resetCommand?: string;
  retryS?: string | number;
  advertise?: boolean;
  advertiseMs?: string | number;
  simSeed?: string | number;
  simSpeed?: string | number;
  simScope?: string;
  simIntervalMs?: string | number;
  simDurationS?: string | number;
  replayFile?: string;
  replaySpeed?: string | number;
}

export interface BeaconScanConfig {
  mode: Mode;
  scanner: string;
  deviceId: number;
  autoStart: boolean;
  pipeline: PipelineOptions;
  stallMs: number;
  resetAfterStalls: number;
  resetCommand: string;
  retryMs: number;
  /** Advertise this scanner's own beacon (scan mode only), every `intervalMs`. */
  advertise: { enabled: boolean; intervalMs: number };
  sim: { seed: number; speed: number; allScanners: boolean; advIntervalMs: number; durationMs: number };
  replay: { file: string; speed: number };
}

export const DEFAULTS = {
  adapter: 'hci0',
  stallS: 30,
  resetAfter: 3,
  resetCommand: 'hciconfig hci0 reset',
  retryS: 10,
  simSeed: 1,
  simSpeed: 1,
  simIntervalMs: 500,
  simDurationS: 600,
  replaySpeed: 1,
};

export function readConfig(
  props: BeaconScanProps,
  hostname: string,
): { ok: true; config: BeaconScanConfig } | { ok: false; problem: string } {
  // Ranges and defaults from the node's settings table (nodes/kernel/settings), which the editor checks too.
  const read = readSettings(BEACON_SCAN_SETTINGS, props);
  const problems: string[] = [];
  const adapter = (props.adapter || DEFAULTS.adapter).trim();
  const adapterMatch = /^(?:hci)?(\d+)$/.exec(adapter);
  if (!adapterMatch) problems.push(`adapter "${adapter}" must be hci0, hci1, ...`);
  if (!read.ok) return { ok: false, problem: [...problems, ...read.problems].join('; ') };
  const s = read.values;
  const mode = s.mode;
  const minRssi = s.minRssi;
  const pipeline: PipelineOptions = {
    allow: parseList(props.allow),
    allowSiteDogs: props.allowDogs === true,
    block: parseList(props.block),
    beaconsOnly: props.beaconsOnly === true,
    maxPerSecond: s.maxPerSecond,
    batchMs: s.batchMs,
  };
  if (minRssi !== undefined) pipeline.minRssi = minRssi;
  const config: BeaconScanConfig = {
    mode,
    scanner: (props.scanner ?? '').trim() || hostname,
    deviceId: adapterMatch ? Number(adapterMatch[1]) : 0,
    autoStart: props.autoStart !== false,
    pipeline,
    stallMs: s.stallS * 1000,
    resetAfterStalls: s.resetAfter,
    resetCommand: props.resetCommand ?? DEFAULTS.resetCommand,
    retryMs: s.retryS * 1000,
    advertise: { enabled: mode === 'scan' && props.advertise !== false, intervalMs: s.advertiseMs },
    sim: {
      seed: s.simSeed,
      speed: s.simSpeed,
      allScanners: s.simScope === 'all',
      advIntervalMs: s.simIntervalMs,
      durationMs: s.simDurationS * 1000,
    },
    replay: {
      file: (props.replayFile ?? '').trim(),
      speed: s.replaySpeed,
    },
  };
  if (mode === 'replay' && !config.replay.file)
    problems.push('replay mode needs a capture file (JSON lines)');
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, config };
}

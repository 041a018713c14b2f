// The node's settings as typed values with their defaults; problems are named so the status can show them.
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
  const problems: string[] = [];
  const num = (value: string | number | undefined, fallback: number, name: string, min: number): number => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) {
      problems.push(`${name} must be a number >= ${min}`);
      return fallback;
    }
    return n;
  };
  const mode = (props.mode || 'scan') as Mode;
  if (!['scan', 'simulate', 'replay'].includes(mode))
    problems.push(`mode "${props.mode}" is not scan, simulate or replay`);
  const adapter = (props.adapter || DEFAULTS.adapter).trim();
  const adapterMatch = /^(?:hci)?(\d+)$/.exec(adapter);
  if (!adapterMatch) problems.push(`adapter "${adapter}" must be hci0, hci1, ...`);
  const minRssi = props.minRssi === undefined || props.minRssi === '' ? undefined : Number(props.minRssi);
  if (minRssi !== undefined && !Number.isFinite(minRssi))
    problems.push('minimum RSSI must be a number (dBm)');
  const pipeline: PipelineOptions = {
    allow: parseList(props.allow),
    allowSiteDogs: props.allowDogs === true,
    block: parseList(props.block),
    beaconsOnly: props.beaconsOnly === true,
    maxPerSecond: num(props.maxPerSecond, 0, 'readings per second per beacon', 0),
    batchMs: num(props.batchMs, 0, 'batch interval', 0),
  };
  if (minRssi !== undefined && Number.isFinite(minRssi)) pipeline.minRssi = minRssi;
  const config: BeaconScanConfig = {
    mode,
    scanner: (props.scanner ?? '').trim() || hostname,
    deviceId: adapterMatch ? Number(adapterMatch[1]) : 0,
    autoStart: props.autoStart !== false,
    pipeline,
    stallMs: num(props.stallS, DEFAULTS.stallS, 'stall time', 1) * 1000,
    resetAfterStalls: Math.floor(num(props.resetAfter, DEFAULTS.resetAfter, 'stalls before a reset', 0)),
    resetCommand: props.resetCommand ?? DEFAULTS.resetCommand,
    retryMs: num(props.retryS, DEFAULTS.retryS, 'retry interval', 1) * 1000,
    sim: {
      seed: Math.floor(num(props.simSeed, DEFAULTS.simSeed, 'seed', 0)),
      speed: num(props.simSpeed, DEFAULTS.simSpeed, 'simulation speed', 0),
      allScanners: props.simScope === 'all',
      advIntervalMs: num(props.simIntervalMs, DEFAULTS.simIntervalMs, 'advertising interval', 20),
      durationMs: num(props.simDurationS, DEFAULTS.simDurationS, 'simulated duration', 1) * 1000,
    },
    replay: {
      file: (props.replayFile ?? '').trim(),
      speed: num(props.replaySpeed, DEFAULTS.replaySpeed, 'replay speed', 0),
    },
  };
  if (mode === 'replay' && !config.replay.file)
    problems.push('replay mode needs a capture file (JSON lines)');
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, config };
}

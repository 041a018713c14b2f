// The scanner mode of batman-health without Node-RED: samples the system and the mesh one at a time, in
// order, builds the contract `health` message, runs the alerts and chooses the status to show. The
// adapter owns the timers and the outputs; the clock and the samplers are given, so tests need no Pi.
import type { Alert, Health } from '../kernel/contract';
import { HealthAlerter, type AlertThresholds } from './alerts';
import type { BatctlProblem } from './batctl';
import type { MeshResult } from './batctl-client';
import { recordHealth } from './health-metrics';
import { buildHealth } from './messages';
import type { SystemSample } from './system';

export interface NodeStatusChoice {
  fill: 'red' | 'green' | 'yellow' | 'grey';
  shape: 'dot' | 'ring';
  text: string;
}

export const PROBLEM_STATUS: Record<BatctlProblem['kind'], string> = {
  missing: 'batctl not installed',
  'not-root': 'batctl needs root',
  'no-interface': 'no mesh interface',
  timeout: 'batctl timed out',
  unsupported: 'batctl output not understood',
  failed: 'batctl failed',
};

const FIRST_SAMPLE_MS = 2000;

/**
 * A first sample soon after deploy (the hub should not wait a whole interval), late enough that the CPU %
 * covers a couple of seconds; then one every interval.
 */
export function firstSampleDelayMs(intervalMs: number): number {
  return Math.min(FIRST_SAMPLE_MS, intervalMs);
}

/** The status of a scanner after a sample: yellow with the reason when the mesh was left out. */
export function sampleStatus(h: Health, problem: BatctlProblem | undefined): NodeStatusChoice {
  const parts: string[] = [];
  if (h.mesh) parts.push(`${h.mesh.iface}: ${h.mesh.neighbors?.length ?? 0} neighbours`);
  if (h.tempC !== undefined) parts.push(`${h.tempC} °C`);
  if (problem) {
    return { fill: 'yellow', shape: 'ring', text: [PROBLEM_STATUS[problem.kind], ...parts].join(' · ') };
  }
  return { fill: 'green', shape: 'dot', text: parts.join(' · ') || 'sampled' };
}

export interface ScannerSources {
  system: { sample(): Promise<SystemSample> };
  /** Absent: this node has no mesh (a hub on Ethernet). */
  mesh?: { sample(): Promise<MeshResult> };
}

export interface ScannerEvents {
  /** A new mesh problem (said once until it changes). */
  warn(text: string): void;
  /** A sample taken while open: the status to show. */
  sampled(status: NodeStatusChoice): void;
}

export interface SampleResult {
  health: Health;
  alerts: Alert[];
}

export class ScannerSession {
  private readonly alerter: HealthAlerter;
  private queue: Promise<unknown> = Promise.resolve();
  private lastProblem = '';
  private sampling = false;
  private closed = false;

  constructor(
    private readonly nodeId: string,
    private readonly sources: ScannerSources,
    thresholds: AlertThresholds,
    private readonly now: () => number,
    private readonly events: ScannerEvents,
  ) {
    this.alerter = new HealthAlerter(thresholds);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * One sample at a time, in order: an input during a timer sample waits for it, so the alerts see the
   * samples in the order of their ts.
   */
  sample(): Promise<SampleResult> {
    const next = this.queue.then(() => this.sampleNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A timer's sample, or undefined when one is still running (a slow batctl must not pile them up). */
  tick(): Promise<SampleResult> | undefined {
    if (this.sampling || this.closed) return undefined;
    this.sampling = true;
    const next = this.sample();
    void next.catch(() => undefined).finally(() => (this.sampling = false));
    return next;
  }

  close(): void {
    this.closed = true;
  }

  private async sampleNow(): Promise<SampleResult> {
    const ts = this.now();
    const [system, mesh] = await Promise.all([this.sources.system.sample(), this.sources.mesh?.sample()]);
    const health = buildHealth(this.nodeId, ts, system, mesh?.ok ? mesh.mesh : undefined);
    const problem = mesh && !mesh.ok ? mesh.problem : undefined;
    if (problem && problem.message !== this.lastProblem)
      this.events.warn(`mesh left out: ${problem.message}`);
    this.lastProblem = problem?.message ?? '';
    if (!this.closed) {
      recordHealth(health);
      this.events.sampled(sampleStatus(health, problem));
    }
    return { health, alerts: this.alerter.update(health) };
  }
}

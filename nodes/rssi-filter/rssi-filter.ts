// rssi-filter: the Node-RED adapter over RssiSmoother (rssi-smoother.ts). Readings in (one or a batch),
// smoothed readings out; outliers and duplicates are dropped. Also where the hub first sees each scanner's
// stream, so it keeps the pipeline metrics of readings, seq gaps, duplicates and the last reading time.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { topics, type RssiReading } from '../kernel/contract';
import { pipelineMetrics } from '../common/metrics';
import { readingsFrom, summarizeProblems } from '../kernel/rssi-reading';
import { RssiSmoother, type RssiFilterOptions, type SmoothingMode } from './rssi-smoother';

interface RssiFilterDef extends NodeDef {
  mode?: SmoothingMode;
  processNoise?: string | number;
  measurementNoise?: string | number;
  gate?: string | number;
  window?: string | number;
  forgetS?: string | number;
  maxPairs?: string | number;
}

/** An editor field as a number, or undefined when left empty (the core's default applies). */
function numberOf(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return Number(value);
}

/** The editor's settings as core options; fields left empty keep the core's defaults. */
function optionsFrom(def: RssiFilterDef): Partial<RssiFilterOptions> {
  const options: Partial<RssiFilterOptions> = {};
  const set = <K extends keyof RssiFilterOptions>(key: K, value: RssiFilterOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('mode', def.mode || undefined);
  set('processNoise', numberOf(def.processNoise));
  set('measurementNoise', numberOf(def.measurementNoise));
  set('gateSigmas', numberOf(def.gate));
  set('windowSize', numberOf(def.window));
  const forgetS = numberOf(def.forgetS);
  set('forgetAfterMs', forgetS === undefined ? undefined : forgetS * 1000);
  set('maxPairs', numberOf(def.maxPairs));
  return options;
}

export = (RED: NodeAPI): void => {
  function RssiFilter(this: Node, def: RssiFilterDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let smoother: RssiSmoother | undefined;
    let settingsProblem = '';
    try {
      smoother = new RssiSmoother(optionsFrom(def));
    } catch (err) {
      settingsProblem = `rssi-filter not started: ${errorMessage(err)}`;
      node.error(settingsProblem);
      node.status({ fill: 'red', shape: 'ring', text: 'bad settings' });
    }
    let shownPairs = -1;

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!smoother) return done(new Error(settingsProblem));
      const { readings, problems, refused, total, batch } = readingsFrom(msg.payload);
      const out: RssiReading[] = [];
      for (const reading of readings) {
        const result = smoother.accept(reading);
        const scanner = { scanner: reading.scanner };
        pipelineMetrics.readings.inc(scanner);
        if (result.stream.gap > 0) pipelineMetrics.seqGaps.inc(scanner, result.stream.gap);
        if (result.verdict === 'duplicate') pipelineMetrics.duplicates.inc(scanner);
        pipelineMetrics.lastReading.set(scanner, result.stream.newestTs / 1000);
        if (result.reading) out.push(result.reading);
      }
      if (out.length > 0) {
        const scanners = new Set(out.map((r) => r.scanner));
        const topic = scanners.size === 1 ? topics.rssi(out[0].scanner) : msg.topic;
        send({ ...msg, topic, payload: batch ? out : out[0] });
      }
      if (smoother.pairCount !== shownPairs) {
        shownPairs = smoother.pairCount;
        node.status({
          fill: 'green',
          shape: 'dot',
          text: `${shownPairs} pair${shownPairs === 1 ? '' : 's'}`,
        });
      }
      if (problems.length > 0) {
        done(new Error(summarizeProblems(problems, total, refused)));
      } else {
        done();
      }
    });
  }

  RED.nodes.registerType('rssi-filter', RssiFilter);
};

// rssi-filter: the Node-RED adapter over RssiSmoother (rssi-smoother.ts). Readings in (one or a batch),
// smoothed readings out; outliers and duplicates are dropped. Also where the hub first sees each scanner's
// stream, so it keeps the pipeline metrics of readings, seq gaps, duplicates and the last reading time.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage } from '../common/checks';
import { topics, type RssiReading } from '../common/contract';
import { pipelineMetrics } from '../common/metrics';
import { readingsFrom, summarizeProblems } from '../common/rssi-reading';
import { RssiSmoother, type SmoothingMode } from './rssi-smoother';

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

export = (RED: NodeAPI): void => {
  function RssiFilter(this: Node, def: RssiFilterDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let smoother: RssiSmoother;
    try {
      const forgetS = numberOf(def.forgetS);
      const options = {
        mode: def.mode || undefined,
        processNoise: numberOf(def.processNoise),
        measurementNoise: numberOf(def.measurementNoise),
        gateSigmas: numberOf(def.gate),
        windowSize: numberOf(def.window),
        forgetAfterMs: forgetS === undefined ? undefined : forgetS * 1000,
        maxPairs: numberOf(def.maxPairs),
      };
      // Drop the fields left empty so the core's defaults apply.
      smoother = new RssiSmoother(
        Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Record<
          string,
          never
        >,
      );
    } catch (err) {
      node.error(`rssi-filter not started: ${errorMessage(err)}`);
      node.status({ fill: 'red', shape: 'ring', text: 'bad settings' });
      return;
    }
    let shownPairs = -1;

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      const { readings, problems, batch } = readingsFrom(msg.payload);
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
        const total = Array.isArray(msg.payload) ? msg.payload.length : 1;
        done(new Error(summarizeProblems(problems, total)));
      } else {
        done();
      }
    });
  }

  RED.nodes.registerType('rssi-filter', RssiFilter);
};

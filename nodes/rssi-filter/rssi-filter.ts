// rssi-filter: the Node-RED adapter over RssiSmoother (rssi-smoother.ts). Readings in (one or a batch),
// smoothed readings out; outliers and duplicates are dropped. Also where the hub first sees each scanner's
// stream, so it keeps the pipeline metrics of readings, seq gaps, duplicates and the last reading time.
// A reading that came on dogtracker/v1/rssi/{scanner} must name that scanner (the broker's ACL vouches
// for the topic, not the payload); a reading stamped too far ahead is refused by the smoother's clock.
// Either is counted, shown in the status and logged once per scanner, not per reading. The site is
// optional (a filter on a Pi has none): with one, metrics are labelled by its scanners only, the rest
// `other`; without, by the first few scanner names heard.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage, excerpt, nonFinitePath } from '../kernel/checks';
import { topics, type RssiReading } from '../kernel/contract';
import { formatSkew } from '../kernel/event-clock';
import { pipelineMetrics, SiteLabels } from '../common/metrics';
import { readingsFrom, summarizeProblems } from '../kernel/rssi-reading';
import { checkTopicScanner } from '../kernel/scanner-topic';
import { ScannerMismatch } from '../common/scanner-mismatch';
import { linkSite } from '../common/site-link';
import { settingsOrThrow } from '../kernel/settings';
import { RSSI_FILTER_SETTINGS } from '../kernel/settings/rssi-filter';
import { RssiSmoother, type RssiFilterOptions, type SmoothingMode } from './rssi-smoother';

/** Scanner names labelled as themselves without a site; the rest are `other`. */
const UNLISTED_SCANNER_LABELS = 32;
interface RssiFilterDef extends NodeDef {
  mode?: SmoothingMode;
  processNoise?: string | number;
  measurementNoise?: string | number;
  gate?: string | number;
  window?: string | number;
  forgetS?: string | number;
  maxPairs?: string | number;
  /** Clock skew limit, s: a reading more than this ahead of the other scanners is refused. */
  maxSkew?: string | number;
  /** Optional tracker-site: its scanners label the metrics and are always tracked by the clock. */
  site?: string;
}

/** The editor's settings (read through the node's table, nodes/kernel/settings) as core options; throws naming each bad field. */
function optionsFrom(def: RssiFilterDef): Partial<RssiFilterOptions> {
  const s = settingsOrThrow(RSSI_FILTER_SETTINGS, def);
  return {
    mode: s.mode,
    processNoise: s.processNoise,
    measurementNoise: s.measurementNoise,
    gateSigmas: s.gate,
    windowSize: s.window,
    forgetAfterMs: s.forgetS * 1000,
    maxPairs: s.maxPairs,
  };
}

export = (RED: NodeAPI): void => {
  function RssiFilter(this: Node, def: RssiFilterDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let smoother: RssiSmoother | undefined;
    let settingsProblem = '';
    try {
      smoother = new RssiSmoother({ ...optionsFrom(def), now: () => Date.now() });
    } catch (err) {
      settingsProblem = `rssi-filter not started: ${errorMessage(err)}`;
      node.error(settingsProblem);
      node.status({ fill: 'red', shape: 'ring', text: 'bad settings' });
    }
    let attention = ''; // a problem the status shows until readings flow again
    let shown = '';
    const labels = new SiteLabels(def.site ? 0 : UNLISTED_SCANNER_LABELS);
    const mismatch = new ScannerMismatch(node, labels);
    if (def.site && smoother) {
      const filter = smoother;
      linkSite(RED, node, def.site, (view) => {
        const ids = view.scanners.map((s) => s.id);
        labels.setListed(ids);
        filter.setScanners(ids);
        shown = '';
        showStatus(filter);
      });
    }

    function showStatus(filter: RssiSmoother): void {
      const worst = filter.clock.ahead()[0];
      const pairs = filter.pairCount;
      const status = worst
        ? {
            fill: 'yellow',
            shape: 'ring',
            text: `${worst.source.slice(0, 40)} clock ${formatSkew(worst.aheadMs)} ahead`,
          }
        : attention
          ? { fill: 'yellow', shape: 'ring', text: attention }
          : { fill: 'green', shape: 'dot', text: `${pairs} pair${pairs === 1 ? '' : 's'}` };
      const key = JSON.stringify(status);
      if (key === shown) return;
      shown = key;
      node.status(status as Parameters<Node['status']>[0]);
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!smoother) return done(new Error(settingsProblem));
      const parsed = readingsFrom(msg.payload);
      const { batch, refused, total } = parsed;
      const problems = [...parsed.problems];
      const { kept, mismatched, topicScanner } = checkTopicScanner(parsed.readings, msg.topic);
      attention = mismatch.report(mismatched, topicScanner, msg.topic) ?? attention;
      const out: RssiReading[] = [];
      for (let i = 0; i < kept.length; i++) {
        const reading = kept[i];
        let result;
        try {
          result = smoother.accept(reading);
        } catch (err) {
          problems.push(
            `reading ${i + 1} (scanner ${excerpt(reading.scanner)}) failed: ${errorMessage(err)}`,
          );
          continue;
        }
        const scanner = { scanner: labels.label(reading.scanner) };
        pipelineMetrics.readings.inc(scanner);
        if (result.stream.gap > 0) pipelineMetrics.seqGaps.inc(scanner, result.stream.gap);
        if (result.verdict === 'duplicate') pipelineMetrics.duplicates.inc(scanner);
        if (Number.isFinite(result.stream.newestTs))
          pipelineMetrics.lastReading.set(scanner, result.stream.newestTs / 1000);
        if (result.skew) {
          pipelineMetrics.clockSkew.inc(scanner);
          if (result.skew.first)
            node.warn(
              `scanner ${excerpt(reading.scanner)}: clock ${formatSkew(result.skew.aheadMs)} ahead of the ${result.skew.reference}; its readings are dropped until it is back in step`,
            );
        }
        if (result.reading) {
          const bad = nonFinitePath(result.reading);
          if (bad) problems.push(`reading ${i + 1} dropped: ${bad} is not a finite number`);
          else out.push(result.reading);
        }
      }
      if (out.length > 0) {
        attention = '';
        const scanners = new Set(out.map((r) => r.scanner));
        const topic = scanners.size === 1 ? topics.rssi(out[0].scanner) : msg.topic;
        send({ ...msg, topic, payload: batch ? out : out[0] });
      }
      showStatus(smoother);
      if (problems.length > 0) {
        done(new Error(summarizeProblems(problems, total, refused)));
      } else {
        done();
      }
    });
  }

  RED.nodes.registerType('rssi-filter', RssiFilter);
};

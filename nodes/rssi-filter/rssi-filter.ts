// rssi-filter: the Node-RED adapter over RssiSmoother (rssi-smoother.ts). Readings in (one or a batch),
// smoothed readings out; outliers and duplicates are dropped. Also where the hub first sees each scanner's
// stream, so it keeps the pipeline metrics of readings, seq gaps, duplicates and the last reading time.
// A reading that came on dogtracker/v1/rssi/{scanner} must name that scanner (the broker's ACL vouches
// for the topic, not the payload); a reading stamped too far ahead is refused by the smoother's clock.
// Either is counted, shown in the status and logged once per scanner, not per reading. The site is
// optional (a filter on a Pi has none): with one, metrics are labelled by its scanners only, the rest
// `other`; without, by the first few scanner names heard. With a site the pair limit grows to what it
// needs (2 x scanners x dogs, when that is above Max pairs); a full table is counted, warned and shown.
// Per reading it allocates nothing it does not keep: readings are smoothed in place (the node owns the msg
// it received), and the metrics are added once per scanner run of a batch, not once per reading.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage, excerpt, nonFinitePath } from '../kernel/checks';
import { topics, type RssiReading } from '../kernel/contract';
import { formatSkew } from '../kernel/event-clock';
import { pipelineMetrics, SiteLabels } from '../common/metrics';
import { readingsFrom, summarizeProblems } from '../kernel/rssi-reading';
import { checkTopicScanner } from '../kernel/scanner-topic';
import { ScannerMismatch } from '../common/scanner-mismatch';
import { LimitWatch } from '../common/limit-watch';
import { linkSite } from '../common/site-link';
import { statusTexts } from '../common/status-text';
import { settingsOrThrow } from '../kernel/settings';
import { RSSI_FILTER_SETTINGS } from '../kernel/settings/rssi-filter';
import { RssiSmoother, type RssiFilterOptions, type SmoothingMode } from './rssi-smoother';

/** Scanner names labelled as themselves without a site; the rest are `other`. */
const UNLISTED_SCANNER_LABELS = 32;
/** With a site, pairs kept: this many per (scanner, dog) (new collars, visitors' beacons). */
const PAIRS_PER_SITE_PAIR = 2;
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
    const t = statusTexts(RED, 'rssi-filter');
    let smoother: RssiSmoother | undefined;
    let settingsProblem = '';
    try {
      smoother = new RssiSmoother({ ...optionsFrom(def), now: () => Date.now() });
    } catch (err) {
      settingsProblem = `rssi-filter not started: ${errorMessage(err)}`;
      node.error(settingsProblem);
      node.status({ fill: 'red', shape: 'ring', text: t('badSettings') });
    }
    let attention = ''; // a problem the status shows until readings flow again
    let shown = '';
    let shownWarn = false;
    const labels = new SiteLabels(def.site ? 0 : UNLISTED_SCANNER_LABELS);
    const mismatch = new ScannerMismatch(node, labels);
    const pairLimit = new LimitWatch({
      node: 'rssi-filter',
      limit: 'maxPairs',
      warning: (limit) =>
        `max pairs (${limit}) reached: the least recently heard (scanner, beacon) pairs are evicted and ` +
        'start unsmoothed when heard again; set Max pairs above the pairs heard (scanners x beacons)',
      status: (limit) => t('maxPairs', { limit }),
      warn: (text) => node.warn(text),
    });
    if (def.site && smoother) {
      const filter = smoother;
      linkSite(RED, node, def.site, (view) => {
        const ids = view.scanners.map((s) => s.id);
        labels.setListed(ids);
        filter.setScanners(ids);
        filter.setPairLimit(PAIRS_PER_SITE_PAIR * ids.length * view.dogs.length);
        shown = '';
        showStatus(filter);
      });
    }

    function showStatus(filter: RssiSmoother): void {
      const worst = filter.clock.ahead()[0];
      const pairs = filter.pairCount;
      const full = pairLimit.attention;
      // Per message: the text and its fill are compared with what is shown, no status object or key built.
      let warn = true;
      let text: string;
      if (worst)
        text = t('clockAhead', { scanner: worst.source.slice(0, 40), skew: formatSkew(worst.aheadMs) });
      else if (attention || full) text = attention || (full as string);
      else {
        warn = false;
        text = t(pairs === 1 ? 'pair' : 'pairs', { count: pairs });
      }
      if (text === shown && warn === shownWarn) return;
      shown = text;
      shownWarn = warn;
      node.status(warn ? { fill: 'yellow', shape: 'ring', text } : { fill: 'green', shape: 'dot', text });
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!smoother) return done(new Error(settingsProblem));
      const parsed = readingsFrom(msg.payload);
      const { batch, refused, total } = parsed;
      // parseBatch's own array, made for this message: appended to, not copied.
      const problems = parsed.problems;
      const { kept, mismatched, topicScanner } = checkTopicScanner(parsed.readings, msg.topic);
      attention = mismatch.report(mismatched, topicScanner, msg.topic) ?? attention;
      const out: RssiReading[] = [];
      // Metrics of a run of readings from one scanner (a batch is one scanner's), added when it ends.
      let runScanner: string | undefined;
      let runReadings = 0;
      let runGaps = 0;
      let runDuplicates = 0;
      let runNewestTs = -Infinity;
      const endRun = (): void => {
        if (runScanner === undefined) return;
        const scanner = { scanner: labels.label(runScanner) };
        pipelineMetrics.readings.inc(scanner, runReadings);
        if (runGaps > 0) pipelineMetrics.seqGaps.inc(scanner, runGaps);
        if (runDuplicates > 0) pipelineMetrics.duplicates.inc(scanner, runDuplicates);
        if (Number.isFinite(runNewestTs)) pipelineMetrics.lastReading.set(scanner, runNewestTs / 1000);
        runScanner = undefined;
      };
      for (let i = 0; i < kept.length; i++) {
        const reading = kept[i];
        let result;
        try {
          result = smoother.accept(reading, true);
        } catch (err) {
          problems.push(
            `reading ${i + 1} (scanner ${excerpt(reading.scanner)}) failed: ${errorMessage(err)}`,
          );
          continue;
        }
        if (reading.scanner !== runScanner) {
          endRun();
          runScanner = reading.scanner;
          runReadings = 0;
          runGaps = 0;
          runDuplicates = 0;
          runNewestTs = -Infinity;
        }
        runReadings++;
        runGaps += result.stream.gap;
        if (result.verdict === 'duplicate') runDuplicates++;
        // newestTs only grows per scanner: the run's last is its newest.
        runNewestTs = result.stream.newestTs;
        if (result.skew) {
          pipelineMetrics.clockSkew.inc({ scanner: labels.label(reading.scanner) });
          if (result.skew.first)
            node.warn(
              `scanner ${excerpt(reading.scanner)}: clock ${formatSkew(result.skew.aheadMs)} ahead of the ${result.skew.reference}; its readings are dropped until it is back in step`,
            );
        }
        if (result.reading) {
          // The parser vouched for every other number of the reading; the smoother set these two.
          const r = result.reading;
          const bad =
            Number.isFinite(r.rssi) && Number.isFinite(r.rssiVar) ? undefined : (nonFinitePath(r) ?? 'rssi');
          if (bad) problems.push(`reading ${i + 1} dropped: ${bad} is not a finite number`);
          else out.push(result.reading);
        }
      }
      endRun();
      pairLimit.update(smoother.stats.evicted, smoother.pairCount, smoother.maxPairs);
      if (out.length > 0) {
        attention = '';
        const first = out[0].scanner;
        let oneScanner = true;
        for (let i = 1; i < out.length && oneScanner; i++) oneScanner = out[i].scanner === first;
        // The node owns the msg it received: it goes on with the new topic and payload.
        msg.topic = oneScanner ? topics.rssi(first) : msg.topic;
        msg.payload = batch ? out : out[0];
        send(msg);
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

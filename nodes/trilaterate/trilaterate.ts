// trilaterate: the Node-RED adapter over Locator (locator.ts). Readings in (one or a batch), one
// `position` per dog per interval of event time out. No timers: a window closes when a reading's ts
// passes its end. A new site from the tracker-site node applies at once; tracks of dogs still in it go on.
// A reading that came on dogtracker/v1/rssi/{scanner} must name that scanner (the broker's ACL vouches
// for the topic, not the payload); a reading stamped too far ahead is refused by the locator's clock.
// Either is counted, shown in the status and logged once per scanner, not per reading.
// A redeploy (e.g. an inline site edited in the editor) creates the node again: the new instance takes
// over the old one's locator, tracks and calibration (common/handover.ts) when its settings are the same,
// then applies the new site as a live update would.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage, excerpt, nonFinitePath } from '../kernel/checks';
import { topics, type RssiReading } from '../kernel/contract';
import { formatSkew, type ClockVerdict } from '../kernel/event-clock';
import { pipelineMetrics, SiteLabels } from '../common/metrics';
import { readingsFrom, summarizeProblems } from '../kernel/rssi-reading';
import { hasNonFinite } from '../kernel/parse/fields';
import { checkTopicScanner } from '../kernel/scanner-topic';
import { readSettings } from '../kernel/settings';
import { TRILATERATE_SETTINGS } from '../kernel/settings/trilaterate';
import { reportReading } from '../common/heard-beacons';
import { ScannerMismatch } from '../common/scanner-mismatch';
import { handover, watchRuntime } from '../common/handover';
import { linkSite } from '../common/site-link';
import { LimitWatch } from '../common/limit-watch';
import { statusTexts } from '../common/status-text';
import { checkLocatorOptions, DEFAULT_LOCATOR_OPTIONS, Locator, type LocatorOptions } from './locator';

interface TrilaterateDef extends NodeDef {
  site?: string;
  interval?: string | number;
  trackAll?: boolean;
  tracking?: boolean;
  modelSigma?: string | number;
  maxSpeed?: string | number;
  margin?: string | number;
  /** Clock skew limit, s: a reading more than this ahead of the other scanners is refused. */
  maxSkew?: string | number;
}

/** The editor's fields, read through trilaterate's settings table, as locator options. */
function optionsFrom(def: TrilaterateDef): { options: Partial<LocatorOptions>; problems: string[] } {
  const read = readSettings(TRILATERATE_SETTINGS, def);
  if (!read.ok) return { options: {}, problems: read.problems };
  const v = read.values;
  return {
    options: {
      intervalMs: v.interval * 1000,
      trackAll: v.trackAll,
      tracking: v.tracking,
      modelSigmaDb: v.modelSigma,
      regionMarginM: v.margin,
      tracker: { maxSpeed: v.maxSpeed },
      maxAheadMs: v.maxSkew * 1000,
      maxTracks: v.maxTracks,
    },
    problems: [],
  };
}

/** What one instance leaves the next: the locator, and the indirection its onRefused calls through. */
interface LeftLocator {
  locator: Locator;
  refused: { handler: NonNullable<LocatorOptions['onRefused']> };
}

const locators = handover<LeftLocator>();

export = (RED: NodeAPI): void => {
  watchRuntime(RED.events);
  function Trilaterate(this: Node, def: TrilaterateDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = statusTexts(RED, 'trilaterate');
    const scannerLabels = new SiteLabels();
    const mismatch = new ScannerMismatch(node, scannerLabels);
    const dogLabels = new SiteLabels();
    let attention = ''; // a problem the status shows until positions flow again

    const onRefused = (reading: RssiReading, v: Extract<ClockVerdict, { accepted: false }>): void => {
      pipelineMetrics.clockSkew.inc({ scanner: scannerLabels.label(reading.scanner) });
      if (v.first)
        node.warn(
          `scanner ${excerpt(reading.scanner)}: clock ${formatSkew(v.aheadMs)} ahead of the ${v.reference}; its readings are dropped until it is back in step`,
        );
    };
    const read = optionsFrom(def);
    // The locator calls the node that owns it now: a handed-over locator is pointed at this instance.
    let refused = { handler: onRefused };
    const options: Partial<LocatorOptions> = {
      ...read.options,
      now: () => Date.now(),
      onRefused: (reading, verdict) => refused.handler(reading, verdict),
    };
    const settingsKey = JSON.stringify([def.site ?? '', read.options]);
    let locator: Locator | undefined;
    let settingsProblem: string | undefined =
      read.problems.length === 0
        ? undefined
        : `trilaterate not started: invalid settings: ${read.problems.join('; ')}`;
    try {
      if (!settingsProblem)
        checkLocatorOptions({ ...DEFAULT_LOCATOR_OPTIONS, ...options, tracker: options.tracker ?? {} });
    } catch (err) {
      settingsProblem = `trilaterate not started: ${errorMessage(err)}`;
    }
    if (settingsProblem) node.error(settingsProblem);
    const left = settingsProblem ? undefined : locators.take(node.id, settingsKey);
    let handed: Locator | undefined;
    if (left) {
      refused = left.refused;
      refused.handler = onRefused;
      handed = left.locator;
    }

    const trackLimit = new LimitWatch({
      node: 'trilaterate',
      limit: 'maxTracks',
      warning: (limit) =>
        `max tracks (${limit}) reached: the least recently heard tracks are dropped and their dogs get no positions for a while; set Max tracks above the dogs and beacons tracked`,
      status: (limit) => t('maxTracks', { limit }),
      warn: (text) => node.warn(text),
    });
    // What calibration learned survives a restart in the node's context (a persistent context store keeps
    // it across Node-RED restarts; the default memory store across redeploys only).
    const CONTEXT_KEY = 'calibration';
    let savedVersion = -1;
    let lastSave = 0;
    const saveCalibration = (force = false): void => {
      if (!locator || locator.calibrationVersion === savedVersion) return;
      if (!force && Date.now() - lastSave < 30_000) return;
      savedVersion = locator.calibrationVersion;
      lastSave = Date.now();
      try {
        node.context().set(CONTEXT_KEY, locator.calibrationState());
        for (const [id, c] of locator.calibration) {
          pipelineMetrics.scannerOffsetDb.set({ scanner: scannerLabels.label(id) }, c.offsetDb);
          pipelineMetrics.scannerExponentDelta.set({ scanner: scannerLabels.label(id) }, c.exponentDelta);
        }
        for (const [dog, db] of locator.dogLevelOffsets)
          pipelineMetrics.dogLevelOffsetDb.set({ dog: dogLabels.label(dog) }, db);
      } catch (err) {
        node.warn(`calibration not saved: ${errorMessage(err)}`);
      }
    };
    // Two parameters: Node-RED passes (removed, done) by the handler's arity.
    node.on('close', (removed: boolean, done: () => void) => {
      saveCalibration(true);
      if (!removed && locator) locators.leave(node.id, settingsKey, { locator, refused });
      done();
    });

    let shown = '';
    let shownWarn = false;
    const showStatus = (): void => {
      if (!locator) return;
      trackLimit.update(locator.stats.evictedTracks, locator.trackCount, locator.trackLimit);
      const full = trackLimit.attention;
      const worst = locator.clock.ahead()[0];
      // Per message: the text and its fill are compared with what is shown, no status object or key built.
      let warn = true;
      let text: string;
      if (worst)
        text = t('clockAhead', { scanner: worst.source.slice(0, 40), skew: formatSkew(worst.aheadMs) });
      else if (attention || full) text = attention || (full as string);
      else {
        warn = false;
        text =
          locator.calibration.size > 0
            ? t('trackedCalibrated', { count: locator.trackCount, calibrated: locator.calibration.size })
            : t('tracked', { count: locator.trackCount });
      }
      if (text === shown && warn === shownWarn) return;
      shown = text;
      shownWarn = warn;
      node.status(warn ? { fill: 'yellow', shape: 'ring', text } : { fill: 'green', shape: 'dot', text });
    };

    const link = linkSite(RED, node, def.site, (view) => {
      if (settingsProblem) return;
      try {
        if (locator) locator.setSite(view);
        else if (handed) {
          locator = handed;
          handed = undefined;
          locator.setSite(view);
        } else {
          locator = new Locator(view, options);
          locator.restoreCalibration(node.context().get(CONTEXT_KEY));
        }
        scannerLabels.setListed(view.scanners.map((s) => s.id));
        dogLabels.setListed(view.dogs.map((d) => d.id));
        shown = '';
        node.status({
          fill: 'green',
          shape: 'dot',
          text: t('site', { site: view.name, scanners: view.scanners.length }),
        });
      } catch (err) {
        settingsProblem = `trilaterate not started: ${errorMessage(err)}`;
        node.error(settingsProblem);
        node.status({ fill: 'red', shape: 'ring', text: t('badSettings') });
      }
    });

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (settingsProblem) return done(new Error(settingsProblem));
      if (!locator) return done(new Error(`no site: ${link.problem}`));
      if (msg.topic === 'reset-calibration' || msg.payload === 'reset-calibration') {
        locator.resetCalibration();
        pipelineMetrics.scannerOffsetDb.reset();
        pipelineMetrics.scannerExponentDelta.reset();
        pipelineMetrics.dogLevelOffsetDb.reset();
        saveCalibration(true);
        shown = '';
        showStatus();
        return done();
      }
      const parsed = readingsFrom(msg.payload);
      const { refused, total } = parsed;
      // parseBatch's own array, made for this message: appended to, not copied.
      const problems = parsed.problems;
      const { kept, mismatched, topicScanner } = checkTopicScanner(parsed.readings, msg.topic);
      attention = mismatch.report(mismatched, topicScanner, msg.topic) ?? attention;
      const out: NodeMessageInFlow[] = [];
      // One reading's failure costs only that reading: the positions of every window closed so far go out.
      for (let i = 0; i < kept.length; i++) {
        let positions;
        // The site editor's "heard now" list, so an owner can pick a collar by holding it near a scanner.
        reportReading(kept[i]);
        try {
          positions = locator.add(kept[i]);
        } catch (err) {
          problems.push(
            `reading ${i + 1} (scanner ${excerpt(kept[i].scanner)}) failed: ${errorMessage(err)}`,
          );
          continue;
        }
        for (const position of positions) {
          // The path text is built only for a position that has a non-finite number.
          const bad = hasNonFinite(position, 0) ? nonFinitePath(position) : undefined;
          if (bad) {
            problems.push(`position of ${excerpt(position.dog)} dropped: ${bad} is not a finite number`);
            continue;
          }
          pipelineMetrics.positions.inc({ dog: dogLabels.label(position.dog) });
          // Each position is a message of its own: the first keeps the reading's _msgid, others get new ones.
          const _msgid = out.length === 0 ? msg._msgid : RED.util.generateId();
          out.push({ ...msg, _msgid, topic: topics.position(position.dog), payload: position });
        }
      }
      if (out.length > 0) {
        attention = '';
        // One send per position: Node-RED deep-copies every message after the first of one send call,
        // even on a single wire, so a window's positions sent as one array cost a clone each.
        for (const position of out) send(position);
      }
      saveCalibration();
      showStatus();
      if (problems.length > 0) {
        done(new Error(summarizeProblems(problems, total, refused)));
      } else {
        done();
      }
    });
  }

  RED.nodes.registerType('trilaterate', Trilaterate);
};

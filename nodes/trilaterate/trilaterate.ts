// trilaterate: the Node-RED adapter over Locator (locator.ts). Readings in (one or a batch), one
// `position` per dog per interval of event time out. No timers: a window closes when a reading's ts
// passes its end. A new site from the tracker-site node applies at once; tracks of dogs still in it go on.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { topics } from '../kernel/contract';
import { pipelineMetrics } from '../common/metrics';
import { readingsFrom, summarizeProblems } from '../kernel/rssi-reading';
import { linkSite } from '../common/site-link';
import { checkLocatorOptions, DEFAULT_LOCATOR_OPTIONS, Locator, type LocatorOptions } from './locator';

interface TrilaterateDef extends NodeDef {
  site?: string;
  interval?: string | number;
  trackAll?: boolean;
  tracking?: boolean;
  modelSigma?: string | number;
  maxSpeed?: string | number;
  margin?: string | number;
}

function numberOr(value: string | number | undefined, fallback: number): number {
  return value === undefined || value === '' ? fallback : Number(value);
}

export = (RED: NodeAPI): void => {
  function Trilaterate(this: Node, def: TrilaterateDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const d = DEFAULT_LOCATOR_OPTIONS;
    const options: Partial<LocatorOptions> = {
      intervalMs: numberOr(def.interval, d.intervalMs / 1000) * 1000,
      trackAll: def.trackAll === true,
      tracking: def.tracking !== false,
      modelSigmaDb: numberOr(def.modelSigma, d.modelSigmaDb),
      regionMarginM: numberOr(def.margin, d.regionMarginM),
      tracker: def.maxSpeed === undefined || def.maxSpeed === '' ? {} : { maxSpeed: Number(def.maxSpeed) },
    };
    let locator: Locator | undefined;
    let settingsProblem: string | undefined;
    try {
      checkLocatorOptions({ ...d, ...options, tracker: options.tracker ?? {} });
    } catch (err) {
      settingsProblem = `trilaterate not started: ${errorMessage(err)}`;
      node.error(settingsProblem);
    }

    const link = linkSite(RED, node, def.site, (view) => {
      if (settingsProblem) return;
      try {
        if (locator) locator.setSite(view);
        else locator = new Locator(view, options);
        node.status({ fill: 'green', shape: 'dot', text: `${view.name}: ${view.scanners.length} scanners` });
      } catch (err) {
        settingsProblem = `trilaterate not started: ${errorMessage(err)}`;
        node.error(settingsProblem);
        node.status({ fill: 'red', shape: 'ring', text: 'bad settings' });
      }
    });

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (settingsProblem) return done(new Error(settingsProblem));
      if (!locator) return done(new Error(`no site: ${link.problem}`));
      const { readings, problems, refused, total } = readingsFrom(msg.payload);
      const out: NodeMessageInFlow[] = [];
      try {
        for (const reading of readings) {
          for (const position of locator.add(reading)) {
            pipelineMetrics.positions.inc({ dog: position.dog });
            // Each position is a message of its own: the first keeps the reading's _msgid, others get new ones.
            const _msgid = out.length === 0 ? msg._msgid : RED.util.generateId();
            out.push({ ...msg, _msgid, topic: topics.position(position.dog), payload: position });
          }
        }
      } catch (err) {
        // A bug, not bad input: say so, and keep the node working for the next message.
        return done(new Error(`trilaterate failed: ${errorMessage(err)}`));
      }
      if (out.length > 0) {
        send([out]);
        node.status({ fill: 'green', shape: 'dot', text: `${locator.trackCount} tracked` });
      }
      if (problems.length > 0) {
        done(new Error(summarizeProblems(problems, total, refused)));
      } else {
        done();
      }
    });
  }

  RED.nodes.registerType('trilaterate', Trilaterate);
};

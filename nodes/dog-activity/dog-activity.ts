// dog-activity: the Node-RED adapter over ActivityTracker (activity-core.ts). Readings (accelerometer
// frames among them) and positions in; output 1 one `activity` message per dog and minute, output 2
// `alert` messages (inactive, active, restless, accel-silent, accel-back) for the alert path.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { topics } from '../kernel/contract';
import { ActivityTracker } from './activity-core';
import { activityTopic } from './activity-topics';
import { activityInputs } from './inputs';
import { serveHistory, historyServer } from './history/history-node';
import { optionsFromDef, type DogActivityDef } from './settings';

export = (RED: NodeAPI): void => {
  const history = historyServer(RED);

  function DogActivity(this: Node, def: NodeDef & DogActivityDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let core: ActivityTracker | undefined;
    let problem = '';
    let served = '';
    try {
      const options = optionsFromDef(def, Intl.DateTimeFormat().resolvedOptions().timeZone);
      core = new ActivityTracker(options);
      // A history that cannot be served leaves the activity and its alerts running.
      try {
        served = serveHistory(RED, node, history, def, options.timeZone ?? 'UTC');
      } catch (err) {
        served = ' · no history';
        node.error(`history page not served: ${errorMessage(err)}`);
      }
      node.status({ fill: 'grey', shape: 'ring', text: `waiting${served}` });
    } catch (err) {
      problem = `dog-activity not started: ${errorMessage(err)}`;
      node.error(problem);
      node.status({ fill: 'red', shape: 'ring', text: 'bad settings' });
    }

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      if (!core) return done(new Error(problem));
      const { items, problems } = activityInputs(msg.payload);
      const activity: NodeMessage[] = [];
      const alerts: NodeMessage[] = [];
      for (const item of items) {
        const out = core.ingest(item);
        for (const a of out.activity) activity.push({ ...msg, topic: activityTopic(a.dog), payload: a });
        for (const a of out.alerts) alerts.push({ ...msg, topic: topics.alert(a.dog ?? ''), payload: a });
      }
      if (activity.length > 0 || alerts.length > 0) send([activity, alerts]);
      const last = activity[activity.length - 1]?.payload as
        { dog: string; state: string; stillMin: number } | undefined;
      if (last) {
        const still = last.state === 'rest' ? ` ${last.stillMin} min` : '';
        node.status({
          fill: 'green',
          shape: 'dot',
          text: `${core.dogCount} dogs · ${last.dog} ${last.state}${still}${served}`,
        });
      }
      if (problems.length > 0) {
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
        done(new Error(`${problems[0]}${more}`));
      } else {
        done();
      }
    });
  }

  RED.nodes.registerType('dog-activity', DogActivity);
};

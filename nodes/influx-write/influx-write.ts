// influx-write: stores contract messages (readings, positions, alerts, health) in InfluxDB through a
// tracker-influx connection, with a disk queue that outlives outages and restarts. Its one output
// reports writes, rejected points, retries and drops, so a flow can alert on them. Thin adapter over
// write-queue.ts (the queue), points.ts (the messages as line protocol) and queue-reporter.ts (logs,
// status and output of the queue's events).
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { readSettings } from '../kernel/settings';
import { INFLUX_WRITE_SETTINGS } from '../kernel/settings/influx-write';
import type { TrackerInfluxNode } from '../tracker-influx/tracker-influx-node';
import { statusTexts } from '../common/status-text';
import { toLineProtocol } from './points';
import { influxQueues } from './queue-board';
import {
  folderName,
  notStoredProblem,
  QueueReporter,
  queueOptions,
  unconfiguredEntry,
} from './queue-reporter';
import { ReadingSampler } from './reading-sampler';
import { WriteQueue, type QueueEvent } from './write-queue';

interface InfluxWriteDef extends NodeDef {
  server: string;
  batchSize?: string | number;
  flushMs?: string | number;
  maxQueuedPoints?: string | number;
  retryMinS?: string | number;
  retryMaxS?: string | number;
  /** How many rssi readings to store: all, second (one point per scanner and beacon per second), off. */
  rawReadings?: string;
}

/** Node-RED logs a close time-out after 15 s; the queue must be on disk well before. */
const CLOSE_BUDGET_MS = 10_000;
const STATUS_INTERVAL_MS = 500;

export = (RED: NodeAPI): void => {
  function queueRoot(): string {
    const userDir = (RED.settings as { userDir?: string }).userDir ?? path.join(os.homedir(), '.node-red');
    return path.join(userDir, 'dogtracker-influx');
  }

  function InfluxWrite(this: Node, def: InfluxWriteDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = statusTexts(RED, 'influx-write');
    const server = RED.nodes.getNode(def.server) as TrackerInfluxNode | null;
    const sink = server?.sink;
    // A node that cannot write shows on the health screen (queue-board.ts) as such, with why.
    const refuse = (problem: string, where: string, statusKey: string): void => {
      node.status({ fill: 'red', shape: 'ring', text: t(statusKey) });
      influxQueues.set(unconfiguredEntry(node.id, def.name, where, problem, Date.now()));
      node.on('close', () => influxQueues.remove(node.id));
      node.on('input', (_msg, _send, done) => done(new Error(`not stored: ${problem}`)));
    };
    if (!sink) {
      if (server) refuse(`InfluxDB connection: ${server.problem}`, 'no connection', 'connectionInvalid');
      else refuse('no tracker-influx connection configured', 'no connection', 'noConnection');
      return;
    }
    const read = readSettings(INFLUX_WRITE_SETTINGS, def);
    if (!read.ok) {
      const problem = `invalid settings: ${read.problems.join('; ')}`;
      node.error(problem);
      refuse(problem, sink.description, 'badSettings');
      return;
    }
    const resolution = read.values.rawReadings;
    const sampler = resolution === 'all' ? undefined : new ReadingSampler(resolution);
    const dir = path.join(queueRoot(), folderName(node.id));
    const queue = new WriteQueue({ sink, dir, ...queueOptions(read.values), onEvent: (e) => onEvent(e) });
    const reporter = new QueueReporter(
      { id: node.id, name: def.name, description: sink.description, dir, now: Date.now, t, log: node },
      queue,
    );

    let closed = false;
    let statusTimer: NodeJS.Timeout | undefined;
    const showStatus = (): void => {
      statusTimer = undefined;
      const status = reporter.status();
      if (status) node.status(status);
    };
    const requestStatus = (): void => {
      if (!closed) statusTimer ??= setTimeout(showStatus, STATUS_INTERVAL_MS);
    };
    function onEvent(event: QueueEvent): void {
      node.send(reporter.event(event));
      requestStatus();
    }

    showStatus();
    void queue.open().finally(requestStatus);

    node.on('input', (msg, _send, done) => {
      const { lines, errors } = toLineProtocol(msg.payload, sampler);
      queue.add(lines);
      requestStatus();
      const problem = notStoredProblem(errors, msg.payload);
      done(problem === undefined ? undefined : new Error(problem));
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      // The seconds still open go to the queue (and so to disk) with the rest.
      if (sampler) queue.add(toLineProtocol(sampler.flush()).lines);
      queue
        .close(CLOSE_BUDGET_MS)
        .catch((err: unknown) => node.error(`closing the InfluxDB queue: ${errorMessage(err)}`))
        .finally(() => {
          const left = queue.queuedPoints;
          reporter.close();
          if (removed && left > 0) {
            node.warn(`node deleted with ${left} points not yet written; they stay in ${dir}`);
          }
          done();
        });
    });
  }

  RED.nodes.registerType('influx-write', InfluxWrite);
};

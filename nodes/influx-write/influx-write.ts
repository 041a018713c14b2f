// influx-write: stores contract messages (readings, positions, alerts, health) in InfluxDB through a
// tracker-influx connection, with a disk queue that outlives outages and restarts. Its one output
// reports writes, rejected points, retries and drops, so a flow can alert on them.
import * as os from 'os';
import * as path from 'path';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { readSettings } from '../kernel/settings';
import { INFLUX_WRITE_SETTINGS } from '../kernel/settings/influx-write';
import { pipelineMetrics } from '../common/metrics';
import type { TrackerInfluxNode } from '../tracker-influx/tracker-influx-node';
import { toLineProtocol } from './points';
import { ReadingSampler } from './reading-sampler';
import { WriteQueue, type QueueEvent } from './write-queue';
import { influxQueues } from './queue-board';
import { statusTexts } from '../common/status-text';

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
const WARN_INTERVAL_MS = 60_000;
const MAX_LISTED_ERRORS = 3;

/** Node ids are hex, but a folder name must stay a folder name whatever they are. */
function folderName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}

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
    // The health screen (queue-board.ts) shows a node that cannot write as such, with why.
    const unconfigured = (problem: string, where: string): void => {
      influxQueues.set({
        id: node.id,
        name: def.name || where,
        server: where,
        state: 'unconfigured',
        queued: 0,
        lastError: { text: problem, at: Date.now() },
        written: 0,
        dropped: 0,
      });
      node.on('close', () => influxQueues.remove(node.id));
    };
    if (!sink) {
      const problem = server
        ? `InfluxDB connection: ${server.problem}`
        : 'no tracker-influx connection configured';
      node.status({
        fill: 'red',
        shape: 'ring',
        text: t(server ? 'connectionInvalid' : 'noConnection'),
      });
      unconfigured(problem, 'no connection');
      node.on('input', (_msg, _send, done) => done(new Error(`not stored: ${problem}`)));
      return;
    }

    const read = readSettings(INFLUX_WRITE_SETTINGS, def);
    if (!read.ok) {
      const problem = `invalid settings: ${read.problems.join('; ')}`;
      node.error(problem);
      node.status({ fill: 'red', shape: 'ring', text: t('badSettings') });
      unconfigured(problem, sink.description);
      node.on('input', (_msg, _send, done) => done(new Error(`not stored: ${problem}`)));
      return;
    }
    const settings = read.values;
    const resolution = settings.rawReadings;
    const sampler = resolution === 'all' ? undefined : new ReadingSampler(resolution);
    const description = sink.description;
    const dir = path.join(queueRoot(), folderName(node.id));
    const batchSize = settings.batchSize;
    const retryMinMs = settings.retryMinS * 1000;
    const queue = new WriteQueue({
      sink,
      dir,
      batchSize,
      flushIntervalMs: settings.flushMs,
      maxQueuedPoints: Math.max(batchSize, settings.maxQueuedPoints),
      retryMinMs,
      retryMaxMs: Math.max(retryMinMs, settings.retryMaxS * 1000),
      onEvent: (event) => onEvent(event),
    });

    let statusTimer: NodeJS.Timeout | undefined;
    let lastStatusText = '';
    let reportedQueue = 0;
    let outage: string | undefined;
    let lastDropWarning = 0;
    let droppedSinceWarning = 0;
    let lastRefusal: string | undefined;
    /** The last failed write, for the health screen; wall-clock time, as it is about the I/O. */
    let lastError: { text: string; at: number } | undefined;

    const showStatus = (): void => {
      statusTimer = undefined;
      const { state, queued, problem, oldestTs } = queue.status;
      pipelineMetrics.influxQueue.inc(queued - reportedQueue);
      reportedQueue = queued;
      influxQueues.set({
        id: node.id,
        name: def.name || description,
        server: description,
        state,
        queued,
        ...(oldestTs !== undefined ? { oldestTs } : {}),
        ...(lastError ? { lastError } : {}),
        written: queue.totals.written,
        dropped: queue.totals.dropped,
      });
      let status: { fill: 'red' | 'green' | 'yellow' | 'grey'; shape: 'dot' | 'ring'; text: string };
      switch (state) {
        case 'starting':
          status = { fill: 'grey', shape: 'ring', text: t('readingQueue') };
          break;
        case 'idle':
          status = { fill: 'grey', shape: 'ring', text: t('ready') };
          break;
        case 'connected':
          status = { fill: 'green', shape: 'dot', text: t('connected') };
          break;
        case 'buffering':
          status = { fill: 'yellow', shape: 'ring', text: t('buffering', { count: queued }) };
          break;
        case 'refused':
          status = {
            fill: 'red',
            shape: 'ring',
            text: t('error', { problem: (problem ?? '').slice(0, 40), count: queued }),
          };
          break;
      }
      if (status.text !== lastStatusText) {
        lastStatusText = status.text;
        node.status(status);
      }
    };
    let closed = false;
    const requestStatus = (): void => {
      if (!closed) statusTimer ??= setTimeout(showStatus, STATUS_INTERVAL_MS);
    };

    function onEvent(event: QueueEvent): void {
      if (
        event.type === 'rejected' ||
        event.type === 'unavailable' ||
        event.type === 'refused' ||
        event.type === 'error'
      ) {
        const status = 'status' in event && event.status !== undefined ? `HTTP ${event.status}: ` : '';
        lastError = { text: status + event.reason, at: Date.now() };
      }
      switch (event.type) {
        case 'restored':
          node.log(`${event.points} points waiting in ${dir} from an earlier run: replaying them`);
          break;
        case 'written':
          pipelineMetrics.influxWritten.inc(event.points);
          if (outage) node.log(`${description} is back after ${outage}`);
          outage = undefined;
          lastRefusal = undefined;
          break;
        case 'rejected':
          pipelineMetrics.influxDropped.inc({ reason: 'rejected' }, event.points);
          node.error(`InfluxDB rejected ${event.points} point(s) (HTTP ${event.status}): ${event.reason}`);
          break;
        case 'unavailable':
          pipelineMetrics.influxWriteErrors.inc();
          if (!outage)
            node.warn(`${description} unavailable (${event.reason}): queueing points on disk, retrying`);
          outage ??= event.reason;
          break;
        case 'refused':
          pipelineMetrics.influxWriteErrors.inc();
          if (lastRefusal !== event.reason) {
            node.error(
              `${description} refuses writes (HTTP ${event.status}: ${event.reason}); points are kept on disk ` +
                `and retried every ${Math.round(event.retryInMs / 1000)} s until the connection is fixed`,
            );
          }
          lastRefusal = event.reason;
          outage ??= event.reason;
          break;
        case 'dropped': {
          pipelineMetrics.influxDropped.inc({ reason: event.reason }, event.points);
          droppedSinceWarning += event.points;
          const now = Date.now();
          if (now - lastDropWarning >= WARN_INTERVAL_MS) {
            node.warn(
              event.reason === 'queue full'
                ? `queue full (${queue.queuedPoints} points): dropped the ${droppedSinceWarning} oldest ` +
                    `(${queue.totals.dropped} in all); raise "max queued points" or fix the connection`
                : `dropped ${droppedSinceWarning} queued points: ${event.reason}`,
            );
            lastDropWarning = now;
            droppedSinceWarning = 0;
          }
          break;
        }
        case 'error':
          node.error(event.reason);
          break;
      }
      node.send({
        topic: `influx-write/${event.type}`,
        payload: { ...event, queued: queue.queuedPoints, totals: { ...queue.totals }, server: description },
      });
      requestStatus();
    }

    showStatus();
    void queue.open().finally(requestStatus);

    node.on('input', (msg, _send, done) => {
      const { lines, errors } = toLineProtocol(msg.payload, sampler);
      queue.add(lines);
      requestStatus();
      if (errors.length === 0) {
        done();
        return;
      }
      const total = Array.isArray(msg.payload) ? msg.payload.length : 1;
      const listed = errors.slice(0, MAX_LISTED_ERRORS).join('; ');
      const more =
        errors.length > MAX_LISTED_ERRORS ? ` (and ${errors.length - MAX_LISTED_ERRORS} more)` : '';
      done(new Error(`${errors.length} of ${total} messages not stored: ${listed}${more}`));
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      // The seconds still open go to the queue (and so to disk) with the rest.
      if (sampler) {
        const { lines } = toLineProtocol(sampler.flush());
        queue.add(lines);
      }
      queue
        .close(CLOSE_BUDGET_MS)
        .catch((err: unknown) => node.error(`closing the InfluxDB queue: ${errorMessage(err)}`))
        .finally(() => {
          const left = queue.queuedPoints;
          pipelineMetrics.influxQueue.dec(reportedQueue);
          reportedQueue = 0;
          influxQueues.remove(node.id);
          if (removed && left > 0) {
            node.warn(`node deleted with ${left} points not yet written; they stay in ${dir}`);
          }
          done();
        });
    });
  }

  RED.nodes.registerType('influx-write', InfluxWrite);
};

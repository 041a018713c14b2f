// Serves the package's Prometheus registry at {httpNodeRoot}/dogtracker/metrics. Called from the module
// function of every node that should make a process serve metrics (batman-health, tracker-site); the
// route is added once per HTTP app however many node modules call it. Node-RED adapter code.
import type { NodeAPI } from 'node-red';
import { errorMessage } from '../kernel/checks';
import { registry } from './metrics';

export const METRICS_PATH = '/dogtracker/metrics';

/** The express apps that already have the route (a WeakSet: a test helper makes a new app per server). */
const served = new WeakSet<object>();

export function serveMetrics(RED: NodeAPI): void {
  const app = RED.httpNode as unknown as { get?: (...args: unknown[]) => unknown } | null | undefined;
  // httpNodeRoot: false in the settings disables the node HTTP endpoints altogether.
  if (!app || typeof app.get !== 'function' || served.has(app)) return;
  served.add(app);
  RED.httpNode.get(METRICS_PATH, (_req, res) => {
    registry.metrics().then(
      (text) => {
        res.set('Content-Type', registry.contentType);
        res.send(text);
      },
      (err: unknown) => {
        res
          .status(500)
          .type('text/plain')
          .send(`metrics failed: ${errorMessage(err)}`);
      },
    );
  });
}

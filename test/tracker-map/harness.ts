// Test glue for tracker-map on the test helper's runtime. The helper gives each load a fresh Express app
// as RED.httpNode but does not serve it; Node-RED proper mounts httpNode on its HTTP server at
// httpNodeRoot. `servingHttpNode` does that mounting (at /), so the page is reachable at helper.url().
import type { RequestHandler } from 'express';
import type { NodeAPI } from 'node-red';
import { helper } from '../support/flow';
import trackerMap = require('../../nodes/tracker-map/tracker-map');

let httpNode: RequestHandler | undefined;

/** tracker-map, remembering the httpNode app of the load it is registered in. */
export function trackerMapServed(RED: NodeAPI): void {
  httpNode = RED.httpNode;
  trackerMap(RED);
}

/** Call once after helper.startServer(): routes the server's requests to the latest load's httpNode. */
export function serveHttpNode(): void {
  const app = (helper as unknown as { _app: { use(h: RequestHandler): void } })._app;
  app.use((req, res, next) => (httpNode ? httpNode(req, res, next) : next()));
}

export function baseUrl(): string {
  return helper.url();
}

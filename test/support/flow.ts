// Small helpers for node tests on the real Node-RED runtime.
import type { EventEmitter } from 'events';
import helper from 'node-red-node-test-helper';
import type { Node } from 'node-red';

export { helper };

export const TAB = 'tab1';

export interface FlowNode {
  id: string;
  type: string;
  wires?: string[][];
  [property: string]: unknown;
}

export interface Status {
  fill?: string;
  shape?: string;
  text?: string;
}

/** Puts every node of a test flow on one tab (Catch/Status nodes need the `z`); config nodes stay global. */
export function onTab(nodes: FlowNode[]): FlowNode[] {
  return [
    { id: TAB, type: 'tab', label: 'test' },
    ...nodes.map((n) => (n.type === 'tracker-site' ? n : { z: TAB, ...n })),
  ];
}

/** Resolves with the next message a helper node receives. */
export function nextMessage<T = Record<string, unknown>>(node: Node): Promise<T> {
  return new Promise((resolve) => (node as EventEmitter).once('input', (msg: T) => resolve(msg)));
}

/** Resolves with the first argument of the next `node.error` call of a node under test. */
export function nextError(node: Node): Promise<unknown> {
  return new Promise((resolve) =>
    (node as EventEmitter).once('call:error', (call: { args: unknown[] }) => resolve(call.args[0])),
  );
}

/** Resolves with the next status a node shows that satisfies `match`. */
export function statusWhere(node: Node, match: (s: Status) => boolean): Promise<Status> {
  const emitter = node as EventEmitter;
  return new Promise((resolve) => {
    const listener = (call: { args: Status[] }): void => {
      if (match(call.args[0])) {
        emitter.off('call:status', listener);
        resolve(call.args[0]);
      }
    };
    emitter.on('call:status', listener);
  });
}

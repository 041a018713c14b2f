// Loads @abandonware/noble lazily (an optional dependency: a hub without Bluetooth never loads it) and
// keeps one stack per adapter for the life of the process: noble's Linux bindings poll the adapter every
// second and hook SIGINT for good once initialised, so a redeploy must reuse the stack, not make another.
import type { EventEmitter } from 'events';
import type { BindingsLike, BleStack, BleStackFactory, NobleLike } from './ble-scanner';

/** The HCI events whose handler in noble's gap.js parses advertising data from the air. */
const ADVERTISING_EVENTS = ['leAdvertisingReport', 'leExtendedAdvertisingReport'];

/**
 * noble's GAP parser (1.9.2) throws on some malformed AD structures a tag or a neighbour can send (a
 * 2-byte `01 16` service-data structure reads null; `01 0a` reads past the buffer). It runs in the HCI
 * socket's data callback, so the exception would be uncaught and stop Node-RED. Wrap those handlers:
 * a broken advertisement is dropped and counted, the scan goes on.
 */
export function guardAdvertisingParser(hci: EventEmitter, onDropped: (err: unknown) => void): void {
  for (const event of ADVERTISING_EVENTS) {
    for (const listener of hci.listeners(event) as Array<(...args: unknown[]) => void>) {
      hci.removeListener(event, listener);
      hci.on(event, (...args: unknown[]) => {
        try {
          listener(...args);
        } catch (err) {
          onDropped(err);
        }
      });
    }
  }
}

/** Advertisements noble could not parse (see guardAdvertisingParser), since the process started. */
export const parserDrops = { count: 0 };

interface Entry {
  noble: NobleLike;
  bindings: BindingsLike;
  inUse: boolean;
}

const stacks = new Map<number, Entry>();

export const nobleStack: BleStackFactory = (deviceId: number): BleStack => {
  let entry = stacks.get(deviceId);
  if (entry?.inUse) {
    throw new Error(`adapter hci${deviceId} is used by another beacon-scan node: give each its own adapter`);
  }
  if (!entry) {
    // Required here, not at the top: requiring noble throws on machines without Bluetooth (EAFNOSUPPORT).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const resolveBindings = require('@abandonware/noble/lib/resolve-bindings') as (options: {
      deviceId: number;
    }) => BindingsLike;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const withBindings = require('@abandonware/noble/with-bindings') as (bindings: BindingsLike) => NobleLike;
    const bindings = resolveBindings({ deviceId });
    const hci = (bindings as unknown as { _hci?: EventEmitter })._hci;
    if (hci) guardAdvertisingParser(hci, () => parserDrops.count++);
    entry = { bindings, noble: withBindings(bindings), inUse: false };
    stacks.set(deviceId, entry);
  }
  const taken = entry;
  taken.inUse = true;
  return {
    noble: taken.noble,
    bindings: taken.bindings,
    release(broken: boolean) {
      taken.inUse = false;
      if (broken && stacks.get(deviceId) === taken) stacks.delete(deviceId);
    },
  };
};

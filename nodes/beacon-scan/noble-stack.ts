// Loads @abandonware/noble lazily (an optional dependency: a hub without Bluetooth never loads it) and
// keeps one stack per adapter for the life of the process: noble's Linux bindings poll the adapter every
// second and hook SIGINT for good once initialised, so a redeploy must reuse the stack, not make another.
import type { BindingsLike, BleStack, BleStackFactory, NobleLike } from './ble-scanner';

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

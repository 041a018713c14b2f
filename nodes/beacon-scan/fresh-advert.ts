// noble's Linux stack keeps one advertisement object per address and never clears `manufacturerData`
// (service data is reset on each advertising event, not on scan responses). A Minew tag that rotates an
// iBeacon frame with info and accelerometer frames would keep showing its last iBeacon bytes on every
// later event. Each event parses into new Buffer objects, so what the event itself carried is what we
// have not seen before: compare by identity with what the previous event of the same address delivered.
import type { AdvertData } from './frames';

export interface NobleAdvertisement {
  manufacturerData?: Uint8Array | null;
  serviceData?: ReadonlyArray<{ uuid: string; data: Uint8Array }> | null;
}

interface Seen {
  manufacturerData: Uint8Array | undefined;
  serviceData: ServiceData;
}

type ServiceData = ReadonlyArray<{ uuid: string; data: Uint8Array }>;

const NONE: ServiceData = [];

export class FreshAdvertFilter {
  private readonly seen = new Map<string, Seen>();

  /** @param maxAddresses addresses remembered (oldest forgotten first): phones rotate random addresses. */
  constructor(private readonly maxAddresses = 2048) {}

  /** The parts of `ad` that arrived with this event of `address`. */
  take(address: string, ad: NobleAdvertisement): AdvertData {
    const prev = this.seen.get(address);
    const manufacturerData = ad.manufacturerData ?? undefined;
    const serviceData = ad.serviceData ?? NONE;
    const fresh: AdvertData = {};
    if (manufacturerData && manufacturerData !== prev?.manufacturerData)
      fresh.manufacturerData = manufacturerData;
    if (serviceData.length > 0) {
      const old = prev?.serviceData ?? NONE;
      fresh.serviceData =
        old.length === 0 ? serviceData : serviceData.filter((entry) => !old.includes(entry));
    }
    if (prev) {
      // Re-insert so the Map's order is least recently seen first.
      this.seen.delete(address);
    } else if (this.seen.size >= this.maxAddresses) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    // Copied only when it may grow later (noble appends a scan response's entries to the same array).
    this.seen.set(address, {
      manufacturerData,
      serviceData: serviceData.length === 0 ? NONE : serviceData.slice(),
    });
    return fresh;
  }

  get size(): number {
    return this.seen.size;
  }
}

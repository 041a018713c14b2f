// A read-only, indexed view of a validated site for the other nodes.
import { normalizeMac } from './checks';
import { LocalFrame, type LatLon, type LocalPoint } from './geo';
import {
  beaconKey,
  parseSite,
  type Dog,
  type Origin,
  type Scanner,
  type Site,
  type SiteDefaults,
  type Zone,
} from './site-document';

// The small parts of a site that cores depend on, so each names only what it uses (and a test can hand
// it a plain object). A SiteView is all of them.

/** The scanners of a site, by id. */
export interface SiteScanners {
  readonly scanners: readonly Scanner[];
  scanner(id: string): Scanner | undefined;
}

/** The dogs of a site: by id, by the beacon a reading names, and the defaults for beacons of no dog. */
export interface DogDirectory {
  readonly dogs: readonly Dog[];
  readonly defaults: SiteDefaults;
  dog(id: string): Dog | undefined;
  dogByBeacon(mac: string | undefined, id?: string): Dog | undefined;
}

/** The zones of a site, and those that apply to one dog. */
export interface ZoneSource {
  readonly zones: readonly Zone[];
  zonesFor(dogId: string): Zone[];
}

/** Local metres to WGS84, where the site has an origin. */
export interface SiteGeo {
  readonly hasOrigin: boolean;
  readonly origin: Origin | undefined;
  toWgs84(x: number, y: number): LatLon | undefined;
}

/** What trilaterate's locator needs: scanners, dogs, zones (its search region) and the map frame. */
export type LocatorSite = SiteScanners & DogDirectory & ZoneSource & SiteGeo;

/** What the live map draws: everything of the site, by name. */
export type MapSiteSource = SiteScanners & DogDirectory & ZoneSource & SiteGeo & { readonly name: string };

export class SiteView implements SiteScanners, DogDirectory, ZoneSource, SiteGeo {
  readonly site: Site;
  private readonly scannersById: ReadonlyMap<string, Scanner>;
  private readonly dogsById: ReadonlyMap<string, Dog>;
  private readonly dogsByBeacon: ReadonlyMap<string, Dog>;
  private readonly frame: LocalFrame | undefined;

  constructor(site: Site) {
    this.site = site;
    this.scannersById = new Map(site.scanners.map((s) => [s.id, s]));
    this.dogsById = new Map(site.dogs.map((d) => [d.id, d]));
    this.dogsByBeacon = new Map(site.dogs.map((d) => [beaconKey(d.beacon), d]));
    this.frame = site.origin ? new LocalFrame(site.origin) : undefined;
  }

  /** Parses and validates JSON text; throws one Error listing every problem. */
  static fromJson(text: string): SiteView {
    const result = parseSite(text);
    if (!result.ok) throw new Error(`invalid site: ${result.errors.join('; ')}`);
    return new SiteView(result.site);
  }

  get name(): string {
    return this.site.name;
  }
  get defaults(): SiteDefaults {
    return this.site.defaults;
  }
  get scanners(): readonly Scanner[] {
    return this.site.scanners;
  }
  get dogs(): readonly Dog[] {
    return this.site.dogs;
  }
  get zones(): readonly Zone[] {
    return this.site.zones;
  }
  get origin(): Origin | undefined {
    return this.site.origin;
  }
  get hasOrigin(): boolean {
    return this.frame !== undefined;
  }

  scanner(id: string): Scanner | undefined {
    return this.scannersById.get(id);
  }

  dog(id: string): Dog | undefined {
    return this.dogsById.get(id);
  }

  /** The dog wearing a beacon, matched on the reading's MAC or on its frame id (`ibeacon:…`). */
  dogByBeacon(mac: string | undefined, id?: string): Dog | undefined {
    if (mac !== undefined) {
      const byMac = this.dogsByBeacon.get(normalizeMac(mac) ?? mac.toLowerCase());
      if (byMac) return byMac;
    }
    return id === undefined ? undefined : this.dogsByBeacon.get(beaconKey(id));
  }

  /** Zones that apply to a dog (a zone without a `dogs` list applies to every dog). */
  zonesFor(dogId: string): Zone[] {
    return this.site.zones.filter((z) => z.dogs === undefined || z.dogs.includes(dogId));
  }

  /** WGS84 for a local point, or undefined when the site has no origin. */
  toWgs84(x: number, y: number): LatLon | undefined {
    return this.frame?.toWgs84(x, y);
  }

  /** Local metres for a WGS84 point, or undefined when the site has no origin. */
  fromWgs84(lat: number, lon: number): LocalPoint | undefined {
    return this.frame?.fromWgs84(lat, lon);
  }
}

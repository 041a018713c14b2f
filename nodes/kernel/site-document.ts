// The site document of the contract: types and validation. Pure: no Node-RED here.
import { excerpt, isFiniteNumber, isNonEmptyString, isObject, normalizeMac, type JsonObject } from './checks';
import type { Severity } from './contract';
import { selfCrossing } from './polygon-crossing';

export type ZoneKind = 'safe' | 'forbidden' | 'info';
export const ZONE_KINDS: readonly ZoneKind[] = ['safe', 'forbidden', 'info'];
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export interface Origin {
  lat: number;
  lon: number;
  /** Compass bearing of the plan's +y axis, degrees clockwise from true north. 0: y points north. */
  rotationDeg: number;
}

export interface SiteDefaults {
  rssiAt1m: number;
  pathLossExponent: number;
  tagHeight: number;
  scannerHeight: number;
}

export interface Scanner {
  id: string;
  name?: string;
  x: number;
  y: number;
  z: number;
  rssiOffset: number;
  pathLossExponent: number;
}

export interface Dog {
  id: string;
  name: string;
  /** As written in the site: a MAC address or a frame id (`ibeacon:…`, `eddystone:…`, `mac:…`). */
  beacon: string;
  rssiAt1m: number;
  tagHeight: number;
}

export type Point = readonly [number, number];

interface ZoneBase {
  id: string;
  name: string;
  kind: ZoneKind;
  /** Seconds inside before a `dwell` alert; absent: no dwell alerts. */
  dwellS?: number;
  severity?: Severity;
  /** Dog ids this zone applies to; absent: every dog. */
  dogs?: readonly string[];
}

export interface PolygonZone extends ZoneBase {
  shape: 'polygon';
  polygon: readonly Point[];
}

export interface CircleZone extends ZoneBase {
  shape: 'circle';
  circle: { x: number; y: number; r: number };
}

export type Zone = PolygonZone | CircleZone;

export type BackdropType = 'png' | 'jpeg' | 'webp';
export const BACKDROP_TYPES: readonly BackdropType[] = ['png', 'jpeg', 'webp'];

/**
 * A picture of the plan (a drawing, an aerial photo) shown under the site, unrotated in plan metres:
 * its lower-left corner at (x, y), `width` east and `height` north. The nodes ignore it; maps draw it.
 */
export interface Backdrop {
  /** `data:image/{png|jpeg|webp};base64,…`, at most SITE_LIMITS.maxBackdropChars characters. */
  image: string;
  type: BackdropType;
  x: number;
  y: number;
  width: number;
  height: number;
  /** 0 (invisible) to 1; default 0.8. */
  opacity: number;
}

/** A validated site with every default filled in. */
export interface Site {
  name: string;
  origin?: Origin;
  backdrop?: Backdrop;
  defaults: SiteDefaults;
  scanners: readonly Scanner[];
  dogs: readonly Dog[];
  zones: readonly Zone[];
}

/**
 * Bounds of a site document. A site is a yard or a farm: coordinates beyond these are a typo or an attack,
 * and would overflow the maths downstream (squares of 1e154 are Infinity). Counts are capped so that no
 * node spends more than a few milliseconds on a site, and an over-long list is refused before it is walked.
 */
export const SITE_LIMITS = {
  /** Every local coordinate (scanner x/y, zone vertices, circle centre) lies within this of the origin, m. */
  maxCoordinateM: 100_000,
  /** Largest circle radius, m. */
  maxRadiusM: 100_000,
  /** Heights (scanner z, tagHeight, scannerHeight), m. */
  minHeightM: -10,
  maxHeightM: 100,
  /** rssiAt1m, dBm. */
  minRssiAt1m: -120,
  maxRssiAt1m: 0,
  minPathLossExponent: 1,
  maxPathLossExponent: 6,
  /** |rssiOffset|, dB. */
  maxRssiOffsetDb: 40,
  /** Longest dwell time, s (a week). */
  maxDwellS: 7 * 24 * 3600,
  /** Characters of an id or a beacon, and of a name. */
  maxIdChars: 128,
  maxNameChars: 200,
  maxScanners: 500,
  maxDogs: 500,
  maxZones: 500,
  maxPolygonVertices: 1000,
  maxTotalVertices: 10_000,
  /** Characters of the backdrop's data URL (2 MB: an image of about 1.5 MB). */
  maxBackdropChars: 2_000_000,
  /** Characters of a site's JSON text; anything longer is refused before it is parsed. */
  maxTextChars: 4_000_000,
} as const;

/** Every local coordinate of a site lies within this many metres of its origin (SITE_LIMITS.maxCoordinateM). */
export const MAX_SITE_COORDINATE_M = SITE_LIMITS.maxCoordinateM;

/** Most problems one validation lists; the rest are counted (a broken 1000-vertex zone is one fix). */
const MAX_LISTED_ERRORS = 50;
/** Most bad vertices listed per polygon. */
const MAX_LISTED_VERTEX_ERRORS = 3;

export const BUILTIN_DEFAULTS: SiteDefaults = {
  rssiAt1m: -59,
  pathLossExponent: 2.2,
  tagHeight: 0.5,
  scannerHeight: 1.5,
};

export type SiteResult = { ok: true; site: Site; warnings: string[] } | { ok: false; errors: string[] };

/** Parses JSON text and validates it; a syntax error is reported as one error naming the position. */
export function parseSite(text: string): SiteResult {
  if (text.length > SITE_LIMITS.maxTextChars)
    return {
      ok: false,
      errors: [`site is ${text.length} characters of JSON; at most ${SITE_LIMITS.maxTextChars}`],
    };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      errors: [`site is not valid JSON: ${withLineAndColumn((err as Error).message, text)}`],
    };
  }
  return validateSite(doc);
}

/** JSON.parse names a character offset; people editing the document want a line and column. */
function withLineAndColumn(message: string, text: string): string {
  return message.replace(/at position (\d+)(?: \(line \d+ column \d+\))?/, (_match, pos: string) => {
    const before = text.slice(0, Number(pos));
    const line = before.split('\n').length;
    const column = Number(pos) - before.lastIndexOf('\n');
    return `at line ${line}, column ${column}`;
  });
}

/**
 * Checks a site document and fills in defaults. Every problem is reported, each naming its field
 * (`scanners[2].x must be a number`), so a user can fix them all in one edit.
 */
export function validateSite(doc: unknown): SiteResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (!isObject(doc)) return { ok: false, errors: ['site must be a JSON object'] };

  const name = optionalString(doc, 'name', 'name', errors, SITE_LIMITS.maxNameChars) ?? 'Site';
  const origin = readOrigin(doc.origin, errors);
  const backdrop = readBackdrop(doc.backdrop, errors);
  const defaults = readDefaults(doc.defaults, errors);
  const scanners = readList(doc, 'scanners', SITE_LIMITS.maxScanners, errors, (item, path) =>
    readScanner(item, path, defaults, errors),
  );
  const dogs = readList(doc, 'dogs', SITE_LIMITS.maxDogs, errors, (item, path) =>
    readDog(item, path, defaults, errors),
  );
  const dogIds = new Set(dogs.map((d) => d.value.id));
  const zones = tooManyVertices(doc.zones, errors)
    ? []
    : readList(
        doc,
        'zones',
        SITE_LIMITS.maxZones,
        errors,
        (item, path) => readZone(item, path, dogIds, errors),
        true,
      );

  checkUnique(scanners, 'scanners', (s) => s.id, 'id', errors);
  checkUnique(dogs, 'dogs', (d) => d.id, 'id', errors);
  checkUnique(dogs, 'dogs', (d) => beaconKey(d.beacon), 'beacon', errors);
  checkUnique(zones, 'zones', (z) => z.id, 'id', errors);
  if (scanners.length === 0) warnings.push('site has no scanners: no position can be computed');
  else if (scanners.length < 3)
    warnings.push(`site has ${scanners.length} scanner(s): at least 3 are needed for a 2-D fix`);

  if (errors.length > MAX_LISTED_ERRORS) {
    const more = errors.length - MAX_LISTED_ERRORS;
    return { ok: false, errors: [...errors.slice(0, MAX_LISTED_ERRORS), `and ${more} more problems`] };
  }
  if (errors.length > 0) return { ok: false, errors };
  const site: Site = { name, defaults, scanners: values(scanners), dogs: values(dogs), zones: values(zones) };
  if (origin) site.origin = origin;
  if (backdrop) site.backdrop = backdrop;
  return { ok: true, site: freezeSite(site), warnings };
}

/** The key a dog's `beacon` is matched on: a bare MAC for MACs and `mac:` ids, else the lower-cased id. */
export function beaconKey(beacon: string): string {
  const trimmed = beacon.trim().toLowerCase();
  const bare = trimmed.startsWith('mac:') ? trimmed.slice(4) : trimmed;
  return normalizeMac(bare) ?? trimmed;
}

function readOrigin(value: unknown, errors: string[]): Origin | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    errors.push('origin must be an object with lat and lon');
    return undefined;
  }
  const lat = requiredNumber(value, 'lat', 'origin.lat', errors, -90, 90);
  const lon = requiredNumber(value, 'lon', 'origin.lon', errors, -180, 180);
  const rotationDeg = optionalNumber(value, 'rotationDeg', 'origin.rotationDeg', errors, -360, 360) ?? 0;
  return lat === undefined || lon === undefined ? undefined : { lat, lon, rotationDeg };
}

/** The first bytes of each image type, base64-encoded as a data URL starts them. */
const IMAGE_MAGIC: Record<BackdropType, string> = { png: 'iVBORw0KGgo', jpeg: '/9j/', webp: 'UklGR' };

function readBackdrop(value: unknown, errors: string[]): Backdrop | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    errors.push('backdrop must be an object with image, x, y, width and height');
    return undefined;
  }
  const image = value.image;
  let type: BackdropType | undefined;
  if (typeof image !== 'string')
    errors.push('backdrop.image must be a data URL of a PNG, JPEG or WebP image');
  else if (image.length > L.maxBackdropChars)
    errors.push(`backdrop.image is ${image.length} characters; at most ${L.maxBackdropChars} (about 1.5 MB)`);
  else {
    const match = /^data:image\/(png|jpeg|webp);base64,/.exec(image);
    const body = match ? image.slice(match[0].length) : '';
    type = match?.[1] as BackdropType | undefined;
    // SVG (scripts) and remote URLs (a third party told of every viewer) are refused.
    if (!type)
      errors.push(`backdrop.image must be a data:image/png, jpeg or webp;base64 URL, not ${excerpt(image)}`);
    else if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      errors.push('backdrop.image is not valid base64');
      type = undefined;
    } else if (!body.startsWith(IMAGE_MAGIC[type])) {
      errors.push(`backdrop.image does not hold a ${type.toUpperCase()} image`);
      type = undefined;
    }
  }
  const x = requiredNumber(value, 'x', 'backdrop.x', errors, ...COORDINATE);
  const y = requiredNumber(value, 'y', 'backdrop.y', errors, ...COORDINATE);
  const width = requiredNumber(
    value,
    'width',
    'backdrop.width',
    errors,
    Number.MIN_VALUE,
    2 * L.maxCoordinateM,
  );
  const height = requiredNumber(
    value,
    'height',
    'backdrop.height',
    errors,
    Number.MIN_VALUE,
    2 * L.maxCoordinateM,
  );
  const opacity = optionalNumber(value, 'opacity', 'backdrop.opacity', errors, 0, 1) ?? 0.8;
  if (typeof image !== 'string' || !type || x === undefined || y === undefined) return undefined;
  if (width === undefined || height === undefined) return undefined;
  return { image, type, x, y, width, height, opacity };
}

function readDefaults(value: unknown, errors: string[]): SiteDefaults {
  if (value === undefined || value === null) return { ...BUILTIN_DEFAULTS };
  if (!isObject(value)) {
    errors.push('defaults must be an object');
    return { ...BUILTIN_DEFAULTS };
  }
  return {
    rssiAt1m:
      optionalNumber(value, 'rssiAt1m', 'defaults.rssiAt1m', errors, L.minRssiAt1m, L.maxRssiAt1m) ??
      BUILTIN_DEFAULTS.rssiAt1m,
    pathLossExponent:
      optionalNumber(value, 'pathLossExponent', 'defaults.pathLossExponent', errors, ...EXPONENT) ??
      BUILTIN_DEFAULTS.pathLossExponent,
    tagHeight:
      optionalNumber(value, 'tagHeight', 'defaults.tagHeight', errors, ...HEIGHT) ??
      BUILTIN_DEFAULTS.tagHeight,
    scannerHeight:
      optionalNumber(value, 'scannerHeight', 'defaults.scannerHeight', errors, ...HEIGHT) ??
      BUILTIN_DEFAULTS.scannerHeight,
  };
}

function readScanner(
  item: JsonObject,
  path: string,
  defaults: SiteDefaults,
  errors: string[],
): Scanner | undefined {
  const id = requiredString(item, 'id', `${path}.id`, errors);
  const x = requiredNumber(item, 'x', `${path}.x`, errors, ...COORDINATE);
  const y = requiredNumber(item, 'y', `${path}.y`, errors, ...COORDINATE);
  const z = optionalNumber(item, 'z', `${path}.z`, errors, ...HEIGHT) ?? defaults.scannerHeight;
  const rssiOffset =
    optionalNumber(item, 'rssiOffset', `${path}.rssiOffset`, errors, -L.maxRssiOffsetDb, L.maxRssiOffsetDb) ??
    0;
  const pathLossExponent =
    optionalNumber(item, 'pathLossExponent', `${path}.pathLossExponent`, errors, ...EXPONENT) ??
    defaults.pathLossExponent;
  const name = optionalString(item, 'name', `${path}.name`, errors, L.maxNameChars);
  if (id === undefined || x === undefined || y === undefined) return undefined;
  const scanner: Scanner = { id, x, y, z, rssiOffset, pathLossExponent };
  if (name !== undefined) scanner.name = name;
  return scanner;
}

function readDog(item: JsonObject, path: string, defaults: SiteDefaults, errors: string[]): Dog | undefined {
  const id = requiredString(item, 'id', `${path}.id`, errors);
  const beacon = requiredString(item, 'beacon', `${path}.beacon`, errors);
  if (beacon !== undefined && !isBeaconRef(beacon)) {
    errors.push(
      `${path}.beacon must be a MAC address (aa:bb:cc:dd:ee:ff) or a beacon id (ibeacon:…, eddystone:…, altbeacon:…, mac:…)`,
    );
  }
  const name = optionalString(item, 'name', `${path}.name`, errors, L.maxNameChars) ?? id ?? '';
  const rssiAt1m =
    optionalNumber(item, 'rssiAt1m', `${path}.rssiAt1m`, errors, L.minRssiAt1m, L.maxRssiAt1m) ??
    defaults.rssiAt1m;
  const tagHeight =
    optionalNumber(item, 'tagHeight', `${path}.tagHeight`, errors, ...HEIGHT) ?? defaults.tagHeight;
  if (id === undefined || beacon === undefined) return undefined;
  return { id, name, beacon: beacon.trim(), rssiAt1m, tagHeight };
}

function isBeaconRef(beacon: string): boolean {
  const key = beaconKey(beacon);
  return normalizeMac(key) !== undefined || /^[a-z][a-z0-9-]*:\S+$/.test(key);
}

function readZone(
  item: JsonObject,
  path: string,
  dogIds: ReadonlySet<string>,
  errors: string[],
): Zone | undefined {
  const id = requiredString(item, 'id', `${path}.id`, errors);
  const name = optionalString(item, 'name', `${path}.name`, errors, L.maxNameChars) ?? id ?? '';
  const kind = item.kind;
  if (!ZONE_KINDS.includes(kind as ZoneKind))
    errors.push(`${path}.kind must be one of ${ZONE_KINDS.join(', ')}`);
  const dwellS = optionalNumber(item, 'dwellS', `${path}.dwellS`, errors, Number.MIN_VALUE, L.maxDwellS);
  let severity: Severity | undefined;
  if (item.severity !== undefined) {
    if (SEVERITIES.includes(item.severity as Severity)) severity = item.severity as Severity;
    else errors.push(`${path}.severity must be one of ${SEVERITIES.join(', ')}`);
  }
  let dogs: string[] | undefined;
  if (item.dogs !== undefined) {
    if (Array.isArray(item.dogs) && item.dogs.length > L.maxDogs)
      errors.push(`${path}.dogs has ${item.dogs.length} entries; at most ${L.maxDogs}`);
    else if (Array.isArray(item.dogs) && item.dogs.every(isNonEmptyString)) {
      dogs = item.dogs.map(String);
      dogs.forEach((dogId, j) => {
        if (!dogIds.has(dogId))
          errors.push(`${path}.dogs[${j}] names dog ${excerpt(dogId)}, which is not in dogs`);
      });
    } else errors.push(`${path}.dogs must be an array of dog ids`);
  }

  const hasPolygon = item.polygon !== undefined;
  const hasCircle = item.circle !== undefined;
  let base: ZoneBase | undefined;
  if (id !== undefined && ZONE_KINDS.includes(kind as ZoneKind)) {
    base = { id, name, kind: kind as ZoneKind };
    if (dwellS !== undefined) base.dwellS = dwellS;
    if (severity !== undefined) base.severity = severity;
    if (dogs !== undefined) base.dogs = dogs;
  }
  if (hasPolygon === hasCircle) {
    errors.push(`${path} must have exactly one of polygon or circle`);
    return undefined;
  }
  if (hasPolygon) {
    const polygon = readPolygon(item.polygon, `${path}.polygon`, errors);
    return base && polygon ? { ...base, shape: 'polygon', polygon } : undefined;
  }
  if (!isObject(item.circle)) {
    errors.push(`${path}.circle must be an object with x, y and r`);
    return undefined;
  }
  const x = requiredNumber(item.circle, 'x', `${path}.circle.x`, errors, ...COORDINATE);
  const y = requiredNumber(item.circle, 'y', `${path}.circle.y`, errors, ...COORDINATE);
  const r = requiredNumber(item.circle, 'r', `${path}.circle.r`, errors, Number.MIN_VALUE, L.maxRadiusM);
  if (!base || x === undefined || y === undefined || r === undefined) return undefined;
  return { ...base, shape: 'circle', circle: { x, y, r } };
}

function readPolygon(value: unknown, path: string, errors: string[]): Point[] | undefined {
  if (!Array.isArray(value) || value.length < 3) {
    errors.push(`${path} must be an array of at least 3 [x, y] points`);
    return undefined;
  }
  // Refused before it is walked: a hostile document may carry millions of vertices.
  if (value.length > L.maxPolygonVertices) {
    errors.push(`${path} has ${value.length} vertices; at most ${L.maxPolygonVertices}`);
    return undefined;
  }
  const points: Point[] = [];
  let bad = 0;
  const m = L.maxCoordinateM;
  for (let i = 0; i < value.length; i++) {
    const p: unknown = value[i];
    if (Array.isArray(p) && p.length === 2 && isFiniteNumber(p[0]) && isFiniteNumber(p[1])) {
      if (Math.abs(p[0]) <= m && Math.abs(p[1]) <= m) {
        points.push(Object.freeze<Point>([p[0], p[1]]));
        continue;
      }
      if (++bad <= MAX_LISTED_VERTEX_ERRORS)
        errors.push(
          `${path}[${i}] must lie within ${m} m of the origin, not [${excerpt(p[0])}, ${excerpt(p[1])}]`,
        );
    } else if (++bad <= MAX_LISTED_VERTEX_ERRORS)
      errors.push(`${path}[${i}] must be an [x, y] pair of numbers`);
  }
  if (bad > MAX_LISTED_VERTEX_ERRORS)
    errors.push(`${path}: and ${bad - MAX_LISTED_VERTEX_ERRORS} more bad vertices`);
  if (points.length !== value.length) return undefined;
  // Inside and outside of a crossing outline depend on the rule a reader picks: refused.
  const crossing = selfCrossing(points);
  if (crossing) {
    const [i, j] = crossing;
    errors.push(
      `${path} crosses itself at vertex ${i} (edge ${i}–${(i + 1) % points.length} meets edge ${j}–${(j + 1) % points.length})`,
    );
    return undefined;
  }
  if (Math.abs(signedArea(points)) < 1e-9) {
    errors.push(`${path} has no area (its points are collinear or repeated)`);
    return undefined;
  }
  return points;
}

function signedArea(points: readonly Point[]): number {
  let area = 0;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i] as Point;
    const [xj, yj] = points[j] as Point;
    area += xj * yi - xi * yj;
  }
  return area / 2;
}

/** A list entry that validated, with its index in the document so later errors name the right entry. */
interface Indexed<T> {
  value: T;
  index: number;
}

function values<T>(items: readonly Indexed<T>[]): T[] {
  return items.map((i) => i.value);
}

function readList<T>(
  doc: JsonObject,
  key: string,
  max: number,
  errors: string[],
  read: (item: JsonObject, path: string) => T | undefined,
  optional = false,
): Indexed<T>[] {
  const value = doc[key];
  if (value === undefined && optional) return [];
  if (!Array.isArray(value)) {
    errors.push(`${key} must be an array`);
    return [];
  }
  if (value.length > max) {
    errors.push(`${key} has ${value.length} entries; at most ${max}`);
    return [];
  }
  const out: Indexed<T>[] = [];
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    const path = `${key}[${i}]`;
    if (!isObject(item)) {
      errors.push(`${path} must be an object`);
      continue;
    }
    const result = read(item, path);
    if (result !== undefined) out.push({ value: result, index: i });
  }
  return out;
}

/** True (with the error) when the zones' polygons hold more vertices in all than a site may: counted, not walked. */
function tooManyVertices(zones: unknown, errors: string[]): boolean {
  if (!Array.isArray(zones) || zones.length > L.maxZones) return false;
  let total = 0;
  for (const zone of zones as unknown[]) {
    if (!isObject(zone) || !Array.isArray(zone.polygon)) continue;
    // An over-long polygon is named on its own (and not walked either).
    if (zone.polygon.length > L.maxPolygonVertices) return false;
    total += zone.polygon.length;
  }
  if (total <= L.maxTotalVertices) return false;
  errors.push(`zones have ${total} polygon vertices in all; at most ${L.maxTotalVertices}`);
  return true;
}

function checkUnique<T>(
  items: readonly Indexed<T>[],
  list: string,
  key: (t: T) => string,
  field: string,
  errors: string[],
): void {
  const seen = new Map<string, number>();
  for (const { value, index } of items) {
    const k = key(value);
    const first = seen.get(k);
    if (first !== undefined)
      errors.push(`${list}[${index}].${field} ${excerpt(k)} repeats ${list}[${first}].${field}`);
    else seen.set(k, index);
  }
}

function requiredString(
  obj: JsonObject,
  key: string,
  path: string,
  errors: string[],
  max: number = L.maxIdChars,
): string | undefined {
  const value = obj[key];
  if (value === undefined) errors.push(`${path} is required`);
  else if (!isNonEmptyString(value)) errors.push(`${path} must be a non-empty string`);
  else if (value.length > max) errors.push(`${path} is ${value.length} characters; at most ${max}`);
  else return value;
  return undefined;
}

function optionalString(
  obj: JsonObject,
  key: string,
  path: string,
  errors: string[],
  max: number,
): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') errors.push(`${path} must be a string`);
  else if (value.length > max) errors.push(`${path} is ${value.length} characters; at most ${max}`);
  else return value;
  return undefined;
}

function requiredNumber(
  obj: JsonObject,
  key: string,
  path: string,
  errors: string[],
  min = -Infinity,
  max = Infinity,
): number | undefined {
  if (obj[key] === undefined) {
    errors.push(`${path} is required`);
    return undefined;
  }
  return optionalNumber(obj, key, path, errors, min, max);
}

function optionalNumber(
  obj: JsonObject,
  key: string,
  path: string,
  errors: string[],
  min = -Infinity,
  max = Infinity,
): number | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!isFiniteNumber(value)) {
    errors.push(`${path} must be a number`);
    return undefined;
  }
  if (value < min || value > max) {
    // A strict lower bound of 0 reads `above 0`; each side of it is named on its own.
    const range =
      min === Number.MIN_VALUE
        ? value < min
          ? 'above 0'
          : `at most ${max}`
        : max === Infinity
          ? `at least ${min}`
          : `between ${min} and ${max}`;
    errors.push(`${path} must be ${range}, not ${value}`);
    return undefined;
  }
  return value;
}

const L = SITE_LIMITS;
const COORDINATE = [-L.maxCoordinateM, L.maxCoordinateM] as const;
const HEIGHT = [L.minHeightM, L.maxHeightM] as const;
const EXPONENT = [L.minPathLossExponent, L.maxPathLossExponent] as const;

/**
 * Freezes the site and everything in it, so no node can change what others see. Walks the known shape
 * (vertices are frozen as they are read): a generic deep freeze costs more than the validation.
 */
function freezeSite(site: Site): Site {
  for (const list of [site.scanners, site.dogs]) {
    for (const item of list) Object.freeze(item);
    Object.freeze(list);
  }
  for (const zone of site.zones) {
    Object.freeze(zone.shape === 'polygon' ? zone.polygon : zone.circle);
    if (zone.dogs) Object.freeze(zone.dogs);
    Object.freeze(zone);
  }
  Object.freeze(site.zones);
  Object.freeze(site.defaults);
  if (site.origin) Object.freeze(site.origin);
  if (site.backdrop) Object.freeze(site.backdrop);
  return Object.freeze(site);
}

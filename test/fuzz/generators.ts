// Hostile inputs for every node: valid contract messages with one field mutated (NaN, Infinity, 1e300, -0,
// huge strings, wrong types, arrays for objects, deep nesting, `__proto__` keys, future and past ts,
// unknown scanners and dogs), and raw garbage (bytes, text, JSON). Heavy values are rare and built once,
// so the whole suite stays fast.
import fc from 'fast-check';

export const T0 = 1_763_800_000_000;
/** Valid hostile cases stay within an hour of T0; the good input after them comes a day later. */
export const T_GOOD = T0 + 86_400_000;

export const MAC_REX = 'ac:23:3f:a3:80:4b';
export const MAC_BELLA = 'ac:23:3f:a3:80:4c';

const HUGE_STRING = 'x'.repeat(200_000);
const DEEP = ((): unknown => {
  let v: unknown = { leaf: 1 };
  for (let i = 0; i < 2000; i++) v = { a: v };
  return v;
})();
const DEEP_ARRAY = ((): unknown => {
  let v: unknown = [1];
  for (let i = 0; i < 2000; i++) v = [v];
  return v;
})();
const PROTO = JSON.parse(
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
) as unknown;
const BIG_ARRAY = Array.from({ length: 10_000 }, (_, i) => i);

/** Numbers that break arithmetic: non-finite, huge, tiny, negative zero, unsafe integers. */
export const hostileNumber: fc.Arbitrary<number> = fc.constantFrom(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e300,
  -1e300,
  1e21,
  1e154,
  -1e154,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  -0,
  0,
  -1,
  2 ** 53 + 2,
  1e-320,
  0.1 + 0.2,
);

/** Times far from the stream's: the epoch, before it, the year 33658, beyond Date's range. */
export const hostileTs: fc.Arbitrary<number> = fc.constantFrom(
  0,
  -1,
  -T0,
  1e15,
  8.64e15 + 1,
  T0 * 1000,
  1e300,
  1,
  T0 - 86_400_000 * 365,
);

/** Any hostile value for one field. Heavy ones (200 000-char string, 2000-deep nesting, 10 000 items) are rare. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileNumber, weight: 30 },
  { arbitrary: hostileTs, weight: 6 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'NaN',
      'Infinity',
      '1e400',
      '-0',
      '0x10',
      '12abc',
      '\u0000',
      '"',
      '</script>',
    ),
    weight: 6,
  },
  { arbitrary: fc.integer(), weight: 5 },
  { arbitrary: fc.constantFrom(null, undefined, true, false), weight: 8 },
  { arbitrary: fc.constantFrom([], {}, [1, 2], [[0, 0]], { x: 1 }), weight: 6 },
  { arbitrary: fc.constant(PROTO), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 4 },
  { arbitrary: fc.constant(HUGE_STRING), weight: 1 },
  { arbitrary: fc.constant(DEEP), weight: 1 },
  { arbitrary: fc.constant(DEEP_ARRAY), weight: 1 },
  { arbitrary: fc.constant(BIG_ARRAY), weight: 1 },
);

/** Every path to a value inside a plain JSON-like object (`cov.0.1`), the object itself excluded. */
function pathsOf(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value === null || typeof value !== 'object') return out;
  for (const key of Object.keys(value)) {
    const path = [...prefix, key];
    out.push(path);
    pathsOf((value as Record<string, unknown>)[key], path, out);
  }
  return out;
}

function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export type Mutation =
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'extra'; key: string; value: unknown }
  | { kind: 'none' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: hostileValue }),
    weight: 12,
  },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      key: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'zz', ''),
      value: hostileValue,
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 3 },
);

/** Applies one mutation to a copy of `valid`. */
export function mutate<T extends Record<string, unknown>>(valid: T, m: Mutation): Record<string, unknown> {
  const copy = cloneJson(valid) as Record<string, unknown>;
  if (m.kind === 'none') return copy;
  if (m.kind === 'extra') {
    // defineProperty, so `__proto__` becomes an own key as JSON.parse makes it, not a prototype change.
    Object.defineProperty(copy, m.key, {
      value: m.value,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    return copy;
  }
  const paths = pathsOf(copy);
  if (paths.length === 0) return copy;
  const path = paths[m.pick % paths.length];
  let parent: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path[path.length - 1];
  if (m.kind === 'delete') delete parent[last];
  else parent[last] = m.value;
  return copy;
}

/** A valid message with at most one field mutated. */
export function hostile<T extends Record<string, unknown>>(
  valid: fc.Arbitrary<T>,
): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(valid, mutation).map(([v, m]) => mutate(v, m));
}

/** Raw garbage for msg.payload: bytes, text, JSON text (valid, truncated or not), numbers, nothing. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.uint8Array({ maxLength: 32 }),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.jsonValue({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => (JSON.stringify(v) ?? '').slice(0, -1)),
  hostileValue,
);

/** One of a few ids the site knows, or one it does not (numeric, empty, long, odd characters). */
export function someId(known: readonly string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 8 },
    { arbitrary: fc.stringMatching(/^[a-z0-9-]{1,12}$/), weight: 2 },
    {
      arbitrary: fc.constantFrom('', ' ', 42, 'a/b', 'a+b#', '__proto__', 'constructor', 'x'.repeat(5000)),
      weight: 1,
    },
  );
}

export const validTs = fc.integer({ min: T0, max: T0 + 3_600_000 });

/** How a valid message reaches a node: as an object, its JSON text, its bytes, or in a batch. */
export function wrapped(message: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: message, weight: 500 },
    { arbitrary: message.map((m) => JSON.stringify(m)), weight: 100 },
    { arbitrary: message.map((m) => Buffer.from(JSON.stringify(m))), weight: 50 },
    { arbitrary: fc.array(message, { minLength: 0, maxLength: 8 }), weight: 150 },
    { arbitrary: fc.array(fc.oneof(message, garbage), { maxLength: 5 }), weight: 50 },
    // A flood: 10 000 readings in one message, about one case in a thousand.
    { arbitrary: message.map((m) => Array.from({ length: 10_000 }, () => m)), weight: 1 },
    { arbitrary: garbage, weight: 150 },
  );
}

/** A payload plus msg-level oddities (topic, extra properties). */
export function inputMsg(
  payload: fc.Arbitrary<unknown>,
  topic: fc.Arbitrary<unknown> = fc.constant(undefined),
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({ payload, topic })
    .map(({ payload: p, topic: t }) => (t === undefined ? { payload: p } : { payload: p, topic: t }));
}

/** Options for fc.assert from a seed and a run count. */
export function fcOptions(seed: number, numRuns: number): fc.Parameters<unknown> {
  return { seed, numRuns, endOnFailure: true };
}

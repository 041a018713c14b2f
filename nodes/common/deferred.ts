// Constructors of a library that is required only when one of the objects they made is first used.
// Every object made so far is then built for real, in the order it was made (so a metric's registry
// exists before the metric registers with it). For libraries only some processes need (prom-client on
// a scanner Pi that nobody scrapes). Node-RED adapter support.
interface Made {
  build: () => object;
  real?: object;
}

const made: Made[] = [];

function buildAll(): void {
  for (const m of made) m.real ??= m.build();
}

/** A stand-in for `require(library)[name]`: `new` gives a proxy whose first use loads the library. */
export function deferred<L, K extends keyof L>(library: string, name: K): L[K] {
  function Stand(...args: unknown[]): object {
    const entry: Made = {
      build: () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const Real = (require(library) as L)[name] as unknown as new (...a: unknown[]) => object;
        return new Real(...args);
      },
    };
    made.push(entry);
    const real = (): object => {
      if (!entry.real) buildAll();
      return entry.real as object;
    };
    // A method is bound once per name, not per call: the hub calls metrics per batch of readings. Bound
    // to the function found, so a method the object swaps (prom-client picks `inc` when built) is bound
    // again when it changes.
    const bound = new Map<PropertyKey, { of: unknown; fn: unknown }>();
    return new Proxy(
      {},
      {
        get: (_target, key) => {
          const target = entry.real ?? real();
          const value: unknown = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          const cached = bound.get(key);
          if (cached?.of === value) return cached.fn;
          const fn = (value as (...a: unknown[]) => unknown).bind(target);
          bound.set(key, { of: value, fn });
          return fn;
        },
        set: (_target, key, value) => Reflect.set(real(), key, value),
        has: (_target, key) => Reflect.has(real(), key),
      },
    );
  }
  return Stand as unknown as L[K];
}

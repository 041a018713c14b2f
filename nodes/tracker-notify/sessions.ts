// App sessions and the brute-force brake on logins. No Node-RED, no wall clock of its own: every
// method takes `now` (ms), so tests drive time.
//
// A session token is 32 random bytes sent to the browser once in an HttpOnly cookie; the store keeps
// only its SHA-256, so the state file (which persists sessions across a restart) holds no usable token.
import { createHash, randomBytes } from 'crypto';

export interface Session {
  login: string;
  expires: number;
}

export interface StoredSession extends Session {
  /** SHA-256 of the token, base64url. */
  id: string;
}

export const MAX_SESSIONS = 2000;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class SessionStore {
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly lifetimeMs: number,
    restored: readonly StoredSession[] = [],
  ) {
    for (const s of restored.slice(-MAX_SESSIONS))
      this.byId.set(s.id, { login: s.login, expires: s.expires });
  }

  /** A new session for `login`; returns the token for the cookie. The oldest goes when the store is full. */
  create(login: string, now: number): { token: string; expires: number } {
    this.prune(now);
    while (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value as string);
    const token = randomBytes(32).toString('base64url');
    const expires = now + this.lifetimeMs;
    this.byId.set(digest(token), { login, expires });
    return { token, expires };
  }

  /** The session of a cookie token, or undefined when unknown or expired. */
  get(token: string | undefined, now: number): Session | undefined {
    if (!token || token.length > 100) return undefined;
    const id = digest(token);
    const session = this.byId.get(id);
    if (!session) return undefined;
    if (session.expires <= now) {
      this.byId.delete(id);
      return undefined;
    }
    return session;
  }

  delete(token: string | undefined): void {
    if (token) this.byId.delete(digest(token));
  }

  /** Ends every session of people no longer in the list (or whose role changed: they log in again). */
  retain(keep: (login: string) => boolean): void {
    for (const [id, s] of this.byId) if (!keep(s.login)) this.byId.delete(id);
  }

  prune(now: number): void {
    for (const [id, s] of this.byId) if (s.expires <= now) this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  toJSON(): StoredSession[] {
    return [...this.byId].map(([id, s]) => ({ id, login: s.login, expires: s.expires }));
  }
}

interface Failures {
  count: number;
  /** No attempt is looked at before this time. */
  until: number;
  last: number;
}

export interface ThrottleOptions {
  /** Delay after the first failure; it doubles per failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten this long after the last one. */
  forgetMs: number;
  /** Bound of each map (logins, addresses); the oldest entry goes first. */
  maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  forgetMs: 3_600_000,
  maxEntries: 10_000,
};

/**
 * Brute-force delay, per login and per client address: after n failures the next attempt is refused
 * until 2^(n-1) x base (capped) has passed. Both keys count, so one address cannot try many logins
 * quickly and many addresses cannot hammer one login.
 */
export class LoginThrottle {
  private readonly byLogin = new Map<string, Failures>();
  private readonly byAddress = new Map<string, Failures>();

  constructor(private readonly options: ThrottleOptions = DEFAULT_THROTTLE) {}

  /** Milliseconds to wait before this attempt may be checked; 0: go ahead. */
  waitMs(login: string, address: string, now: number): number {
    const a = this.current(this.byLogin, login, now);
    const b = this.current(this.byAddress, address, now);
    return Math.max(0, (a?.until ?? 0) - now, (b?.until ?? 0) - now);
  }

  failed(login: string, address: string, now: number): void {
    this.bump(this.byLogin, login, now);
    this.bump(this.byAddress, address, now);
  }

  succeeded(login: string, address: string): void {
    this.byLogin.delete(login);
    this.byAddress.delete(address);
  }

  get entries(): number {
    return this.byLogin.size + this.byAddress.size;
  }

  private current(map: Map<string, Failures>, key: string, now: number): Failures | undefined {
    const f = map.get(key);
    if (f && now - f.last > this.options.forgetMs) {
      map.delete(key);
      return undefined;
    }
    return f;
  }

  private bump(map: Map<string, Failures>, key: string, now: number): void {
    const f = this.current(map, key, now) ?? { count: 0, until: 0, last: now };
    map.delete(key); // re-inserted last: the map's order is the eviction order
    f.count += 1;
    f.last = now;
    const delay = Math.min(
      this.options.maxDelayMs,
      this.options.baseDelayMs * 2 ** Math.min(f.count - 1, 30),
    );
    f.until = now + delay;
    map.set(key, f);
    while (map.size > this.options.maxEntries) map.delete(map.keys().next().value as string);
  }
}

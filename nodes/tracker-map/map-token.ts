// The map's WebSocket tokens. The upgrade does not pass through Node-RED's httpNodeAuth, so the page first
// asks its session endpoint (which does) for a token, and the upgrade must present it. A token is
// `expiry.mac`: an HMAC, with a secret of this process, of its expiry, the map it opens (its socket path
// and the node instance, so a redeploy ends it) and a hash of the request's Authorization header. So a
// token copied out of one login is useless after its expiry, on another map, or without that login.
// Pure: the clock is given.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';

export const DEFAULT_TOKEN_TTL_MS = 5 * 60 * 1000;

export interface MapTokenOptions {
  /** How long a token may be used for an upgrade (the socket itself then lives on). */
  ttlMs?: number;
  /** Milliseconds since the epoch. */
  now?: () => number;
  secret?: Buffer;
}

/**
 * What a token is bound to: a digest of the client's credentials as its HTTP request carried them (the
 * Authorization header of httpNodeAuth, and the app's session cookie where a tracker-notify serves the map).
 */
export function credentialBinding(authorization: string | string[] | undefined, appSession?: string): string {
  const value = Array.isArray(authorization) ? authorization.join(',') : (authorization ?? '');
  const hash = createHash('sha256').update(value);
  if (appSession !== undefined) hash.update(`\n${appSession}`);
  return hash.digest('base64url');
}

export class MapTokens {
  private readonly secret: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MapTokenOptions = {}) {
    this.secret = options.secret ?? randomBytes(32);
    this.ttlMs = options.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** A token for `scope` (one map) and `binding` (credentialBinding of the session request). */
  issue(scope: string, binding: string): { token: string; expiresAt: number } {
    const expiresAt = this.now() + this.ttlMs;
    return { token: `${expiresAt}.${this.mac(expiresAt, scope, binding)}`, expiresAt };
  }

  /** Why a presented token is refused, or undefined when it opens `scope` for `binding`. */
  check(token: string | null | undefined, scope: string, binding: string): string | undefined {
    const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
    if (!match) return 'no token';
    const expiresAt = Number(match[1]);
    const expected = Buffer.from(this.mac(expiresAt, scope, binding));
    const given = Buffer.from(match[2]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'token not valid here';
    if (this.now() > expiresAt) return 'token expired';
    return undefined;
  }

  private mac(expiresAt: number, scope: string, binding: string): string {
    return createHmac('sha256', this.secret).update(`${expiresAt}\n${scope}\n${binding}`).digest('base64url');
  }
}

// HTTP Basic authentication for Node-RED's node endpoints (settings.httpNodeAuth as a function): the
// map pages, the map's session, http-in nodes and /dogtracker/metrics. Node-RED's own object form
// ({user, pass}) cannot exempt anything; this one can let loopback requests read chosen paths (a
// Prometheus on the same host) and checks passwords without blocking the event loop.
import { createHash, timingSafeEqual } from 'crypto';
import { createRequire } from 'module';
import type { IncomingMessage, ServerResponse } from 'http';

export interface NodeAuthOptions {
  user: string;
  /** bcrypt hash (`npx node-red admin hash-pw`). */
  hash: string;
  /** Paths below httpNodeRoot (e.g. `/dogtracker/metrics`) that loopback clients read without a login. */
  openPaths?: readonly string[];
  /** Checks a password against a bcrypt hash; default: the bcrypt Node-RED itself uses. */
  compare?: (password: string, hash: string) => Promise<boolean>;
}

type Request = IncomingMessage & { path?: string; method?: string };
type Next = (err?: unknown) => void;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (LOOPBACK.has(address) || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address));
}

/** `Basic base64(user:pass)` -> {user, pass}, or undefined. */
export function basicCredentials(header: string | undefined): { user: string; pass: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
  if (!match) return undefined;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The bcrypt module Node-RED uses (@node-rs/bcrypt, else bcryptjs), looked up from Node-RED's own
 * location first: this package does not depend on it, Node-RED does.
 */
export function nodeRedBcrypt(): (password: string, hash: string) => Promise<boolean> {
  const bases = [require.main?.filename, __filename].filter((b): b is string => typeof b === 'string');
  for (const base of bases) {
    const req = createRequire(base);
    const candidates: Array<() => string> = [
      () => req.resolve('@node-rs/bcrypt'),
      () => req.resolve('bcryptjs'),
      () => createRequire(req.resolve('node-red/package.json')).resolve('bcryptjs'),
    ];
    for (const resolve of candidates) {
      try {
        const mod = req(resolve()) as { compare: (p: string, h: string) => Promise<boolean> };
        if (typeof mod.compare === 'function') return (p, h) => mod.compare(p, h);
      } catch {
        // try the next one
      }
    }
  }
  throw new Error('cannot find bcrypt (@node-rs/bcrypt or bcryptjs) to check DOGTRACKER_HTTP_* logins');
}

/** An Express-style middleware for settings.httpNodeAuth. */
export function nodeAuth(options: NodeAuthOptions): (req: Request, res: ServerResponse, next: Next) => void {
  const compare = options.compare ?? nodeRedBcrypt();
  const userDigest = sha256(options.user);
  const open = new Set(options.openPaths ?? []);
  // bcrypt takes tens of milliseconds: remember the last accepted credentials (as Node-RED's own basic
  // auth does), by digest, so a page and its assets do not pay it on every request.
  let accepted: Buffer | undefined;

  const refuse = (res: ServerResponse): void => {
    res.statusCode = 401;
    res.setHeader('WWW-Authenticate', 'Basic realm="Dog tracker", charset="UTF-8"');
    res.setHeader('Content-Type', 'text/plain');
    res.end('login required');
  };

  return (req, res, next) => {
    if (req.method === 'OPTIONS') return next();
    const rel = req.path ?? (req.url ?? '/').split('?')[0];
    if (open.has(rel.replace(/\/+$/, '')) && isLoopbackAddress(req.socket.remoteAddress)) return next();
    const given = basicCredentials(req.headers.authorization);
    if (!given || !timingSafeEqual(sha256(given.user), userDigest)) return refuse(res);
    const digest = sha256(`${given.user}\n${given.pass}`);
    if (accepted && timingSafeEqual(digest, accepted)) return next();
    compare(given.pass, options.hash).then(
      (ok) => {
        if (!ok) return refuse(res);
        accepted = digest;
        next();
      },
      () => refuse(res),
    );
  };
}

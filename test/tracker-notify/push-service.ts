// A local Web Push service for the tests: an HTTPS server (web-push speaks HTTPS only) that checks each
// request's VAPID JWT (RFC 8292) and decrypts its aes128gcm body (RFC 8291 / RFC 8188) with the keys of
// the subscription it made, as a phone's push service and browser would: node:crypto only, no web-push.
import assert from 'node:assert/strict';
import {
  createECDH,
  createDecipheriv,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
  type ECDH,
} from 'crypto';
import { createServer, type Server } from 'https';
import type { AddressInfo } from 'net';
import { TEST_CERT, TEST_KEY } from './test-cert';

export interface Received {
  device: string;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted notification (JSON parsed). */
  payload: Record<string, unknown>;
  jwt: { aud: string; exp: number; sub: string };
  vapidPublicKey: string;
  at: number;
}

export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

interface Device {
  ecdh: ECDH;
  auth: Buffer;
}

const b64u = (b: Buffer): string => b.toString('base64url');

/** RFC 8291 section 3.4 and RFC 8188 section 2: the receiving user agent's side. */
export function decryptAes128gcm(body: Buffer, ecdh: ECDH, auth: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  assert.equal(idlen, 65, 'keyid is the sender public key (65 bytes)');
  assert.ok(ciphertext.length <= rs, 'a push message is one record');
  const uaPublic = ecdh.getPublicKey();
  const ecdhSecret = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // Padding: the last record ends with 0x02 then zeros.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  assert.equal(plain[end], 2, 'last-record padding delimiter');
  return plain.subarray(0, end);
}

/** RFC 8292: `vapid t=<JWT>, k=<public key>`; checks the ES256 signature with k. */
export function checkVapid(header: string | undefined): { jwt: Received['jwt']; key: string } {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  assert.ok(m, `Authorization is vapid t=..., k=...: ${header}`);
  const [head, claims, sig] = m[1].split('.');
  const raw = Buffer.from(m[2], 'base64url');
  assert.equal(raw.length, 65);
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33, 65)) },
    format: 'jwk',
  });
  assert.deepEqual(JSON.parse(Buffer.from(head, 'base64url').toString()), { typ: 'JWT', alg: 'ES256' });
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'),
  );
  assert.ok(ok, 'the VAPID JWT signature verifies with k');
  return { jwt: JSON.parse(Buffer.from(claims, 'base64url').toString()) as Received['jwt'], key: m[2] };
}

export class PushService {
  readonly received: Received[] = [];
  /** Requests answered with something else than 201 (status per attempt). */
  readonly refused: Array<{ device: string; status: number }> = [];
  private readonly devices = new Map<string, Device>();
  private readonly scripts = new Map<string, Array<{ status: number; headers?: Record<string, string> }>>();
  private readonly waiters: Array<() => void> = [];
  private server: Server | undefined;
  errors: Error[] = [];
  origin = '';

  async start(): Promise<void> {
    this.server = createServer({ cert: TEST_CERT, key: TEST_KEY }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const name = (req.url ?? '').replace(/^\/push\//, '');
        const device = this.devices.get(name);
        const scripted = this.scripts.get(name)?.shift();
        try {
          if (!device) {
            res.writeHead(404).end();
            return;
          }
          if (scripted) {
            this.refused.push({ device: name, status: scripted.status });
            res.writeHead(scripted.status, scripted.headers).end('scripted');
            return;
          }
          assert.equal(req.method, 'POST');
          assert.equal(req.headers['content-encoding'], 'aes128gcm');
          assert.ok(Number(req.headers.ttl) > 0, 'TTL header');
          const { jwt, key } = checkVapid(req.headers.authorization);
          assert.equal(jwt.aud, this.origin, 'aud is the push service origin');
          const plain = decryptAes128gcm(Buffer.concat(chunks), device.ecdh, device.auth);
          this.received.push({
            device: name,
            headers: req.headers,
            payload: JSON.parse(plain.toString('utf8')) as Record<string, unknown>,
            jwt,
            vapidPublicKey: key,
            at: Date.now(),
          });
          res.writeHead(201).end();
        } catch (err) {
          this.errors.push(err as Error);
          res.writeHead(400).end(String(err));
        } finally {
          for (const w of this.waiters.splice(0)) w();
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A new browser subscription (its own P-256 key pair and auth secret). */
  subscribe(name: string): TestSubscription {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.devices.set(name, { ecdh, auth });
    return {
      endpoint: `${this.origin}/push/${name}`,
      keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) },
    };
  }

  /** The next answers for a device, before it accepts again. */
  script(name: string, ...answers: Array<{ status: number; headers?: Record<string, string> }>): void {
    this.scripts.set(name, [...(this.scripts.get(name) ?? []), ...answers]);
  }

  /** Resolves when `test` holds, checked after each request; rejects after `ms`. */
  until(test: () => boolean, ms = 10000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`push service: condition not met in ${ms} ms`)), ms);
      const check = (): void => {
        if (test()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// The shipped Mosquitto set-up (deploy/mosquitto: mosquitto.conf, acl, make-certs.sh) on a real broker,
// changed only where a test must: listener ports (free loopback ports) and the folder of its files.
import { execFileSync } from 'child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findBinary, freePort, startMosquitto, type RunningService } from '../support/services';

export const root = path.resolve(__dirname, '..', '..', '..');
export const deployDir = path.join(root, 'deploy', 'mosquitto');
/** Where the shipped mosquitto.conf expects its password file, ACL and certificates. */
export const INSTALLED_DIR = '/etc/mosquitto/dogtracker';
/** Names the test certificate is made for (its subjectAltName). */
export const SERVER_NAMES = ['hub.test', '127.0.0.1'];

/**
 * Rewrites the shipped mosquitto.conf for a test: `INSTALLED_DIR` becomes `dir`, and each `listener`
 * moves to the loopback port that `ports` gives for it. A listener mapped to `null` is dropped (the
 * test harness already opens a plain loopback listener of its own). Any other listener is an error, so a
 * new listener in the shipped file cannot slip past the tests.
 */
export function adaptMosquittoConf(text: string, dir: string, ports: Record<number, number | null>): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const listener = /^listener\s+(\d+)(\s+\S+)?\s*$/.exec(line);
    if (!listener) {
      lines.push(line.split(INSTALLED_DIR).join(dir));
      continue;
    }
    const shipped = Number(listener[1]);
    if (!(shipped in ports))
      throw new Error(`mosquitto.conf has a listener on ${shipped} that the test does not map`);
    const port = ports[shipped];
    if (port !== null) lines.push(`listener ${port} 127.0.0.1`);
  }
  return lines.join('\n');
}

/** Runs deploy/mosquitto/make-certs.sh into `dir` and returns what it printed. */
export function makeCerts(dir: string, names: string[], clients: string[] = []): string {
  const args = [
    path.join(deployDir, 'make-certs.sh'),
    '-o',
    dir,
    ...clients.flatMap((c) => ['-c', c]),
    ...names,
  ];
  return execFileSync('sh', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Writes a Mosquitto password file with `mosquitto_passwd -b`, as the README tells an admin to. */
export function writePasswords(file: string, users: Record<string, string>): void {
  const bin = findBinary('mosquitto_passwd');
  if (!bin) throw new Error('mosquitto_passwd is not installed: it comes with the Debian package mosquitto');
  writeFileSync(file, '');
  for (const [user, password] of Object.entries(users)) execFileSync(bin, ['-b', file, user, password]);
}

export interface ShippedBroker {
  readonly service: RunningService;
  /** Plain MQTT on loopback (the hub's listener, 1883 when installed). */
  readonly mqttUrl: string;
  /** MQTT over TLS (8883 when installed). */
  readonly mqttsUrl: string;
  /** MQTT over secure WebSocket (9001 when installed). */
  readonly wssUrl: string;
  /** The CA certificate clients verify the broker with. */
  readonly ca: Buffer;
  /** The folder that stands for /etc/mosquitto/dogtracker: passwd, acl, certs/. */
  readonly dir: string;
  dispose(): Promise<void>;
}

/** Starts a real Mosquitto with the shipped config, ACL and certificates from make-certs.sh. */
export async function startShippedBroker(bin: string, users: Record<string, string>): Promise<ShippedBroker> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dogtracker-broker-'));
  try {
    const certs = path.join(dir, 'certs');
    makeCerts(certs, SERVER_NAMES);
    writePasswords(path.join(dir, 'passwd'), users);
    writeFileSync(path.join(dir, 'acl'), readFileSync(path.join(deployDir, 'acl')));
    // Run as root, Mosquitto reads these after dropping to the `mosquitto` user: let it read them
    // (an installed broker gets them with `chown root:mosquitto` and mode 640 instead).
    for (const d of [dir, certs]) {
      chmodSync(d, 0o755);
      for (const f of readdirSync(d, { withFileTypes: true }))
        if (f.isFile()) chmodSync(path.join(d, f.name), 0o644);
    }
    const [tls, ws] = [await freePort(), await freePort()];
    const config = adaptMosquittoConf(readFileSync(path.join(deployDir, 'mosquitto.conf'), 'utf8'), dir, {
      1883: null,
      8883: tls,
      9001: ws,
    });
    const service = await startMosquitto(bin, { config });
    return {
      service,
      mqttUrl: `mqtt://127.0.0.1:${service.port}`,
      mqttsUrl: `mqtts://127.0.0.1:${tls}`,
      wssUrl: `wss://127.0.0.1:${ws}`,
      ca: readFileSync(path.join(certs, 'ca.crt')),
      dir,
      async dispose() {
        await service.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

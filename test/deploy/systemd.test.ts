// The shipped systemd units parse (systemd-analyze verify), run Node-RED the way the README says, and
// their example environment files set what the shipped flows read; the shell scripts parse.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { existsSync, readFileSync, readdirSync } from 'fs';
import * as path from 'path';
import { requireBinary } from '../support/services';
import { root } from './shipped-broker';

const systemdDir = path.join(root, 'deploy', 'systemd');
const read = (file: string): string => readFileSync(path.join(systemdDir, file), 'utf8');

/** `KEY=value` lines of a unit or environment file (the last wins, as in systemd). */
function settings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

describe('deploy: systemd units and shell scripts', () => {
  const units = readdirSync(systemdDir).filter((f) => f.endsWith('.service'));

  it('parse with systemd-analyze verify', function () {
    const bin = requireBinary(this, 'systemd-analyze', 'systemd');
    for (const unit of units) {
      const result = spawnSync(bin, ['verify', path.join(systemdDir, unit)], { encoding: 'utf8' });
      // Paths of the installed package do not exist here; anything else is a real problem.
      const problems: string[] = `${result.stdout}${result.stderr}`
        .split('\n')
        .filter((l) => l.trim() && !/is not executable: No such file or directory/.test(l));
      assert.deepEqual(problems, [], unit);
    }
  });

  for (const [unit, env] of [
    ['dogtracker-scanner.service', 'dogtracker-scanner.env'],
    ['dogtracker-hub.service', 'dogtracker-hub.env'],
  ]) {
    it(`${unit} runs Node-RED with the package settings as node-red, restarting on failure`, () => {
      const s = settings(read(unit));
      assert.equal(s.get('User'), 'node-red');
      assert.equal(s.get('EnvironmentFile'), '/etc/default/dogtracker');
      assert.equal(s.get('Restart'), 'on-failure');
      assert.match(
        s.get('ExecStart') ?? '',
        /node-red\/red\.js --settings \S+\/node-red-contrib-dog-tracker\/dist\/settings\.js$/,
      );
      const e = settings(read(env));
      for (const key of [
        'MQTT_URL',
        'MQTT_USER',
        'MQTT_PASSWORD',
        'SCANNER_ID',
        'DOGTRACKER_USER_DIR',
        'DOGTRACKER_DEMO_FLOW',
      ]) {
        assert.ok(e.has(key), `${env} sets ${key}`);
      }
      const flow = e.get('DOGTRACKER_DEMO_FLOW') ?? '';
      assert.ok(
        existsSync(path.join(root, flow)),
        `${env}: DOGTRACKER_DEMO_FLOW=${flow} is a file of the package`,
      );
    });
  }

  it('ships shell scripts that parse (sh -n) and pass shellcheck', function () {
    const shellcheck = requireBinary(this, 'shellcheck', 'shellcheck');
    const scripts = ['mosquitto/make-certs.sh', 'batman/mesh-up.sh'].map((s) => path.join(root, 'deploy', s));
    for (const script of scripts) {
      const parsed = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
      assert.equal(parsed.status, 0, `${script}: ${parsed.stderr}`);
    }
    const checked = spawnSync(shellcheck, scripts, { encoding: 'utf8' });
    assert.equal(checked.status, 0, checked.stdout);
  });

  it('gives BLE and batctl their capabilities on the scanner only', () => {
    assert.match(read('dogtracker-scanner.service'), /^AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN$/m);
    assert.doesNotMatch(read('dogtracker-hub.service'), /AmbientCapabilities/);
  });
});

// The /proc and /sys parsers on recorded Raspberry Pi contents, and the reader on this machine's real
// files: what exists here is read and sane, what does not exist is left out.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  cpuPercent,
  parseLoadavg,
  parseMeminfo,
  parseProcStat,
  parseThermalTemp,
  parseThrottled,
  parseUptime,
  parseWireless,
  SystemReader,
  underVoltageNow,
} from '../../nodes/batman-health/system';

// A Pi Zero W (one core) a few seconds apart.
const STAT_1 = 'cpu  10132 0 4321 90000 120 0 55 0 0 0\ncpu0 10132 0 4321 90000 120 0 55 0 0 0\nintr 1\n';
const STAT_2 = 'cpu  10182 0 4346 90170 125 0 55 0 0 0\ncpu0 10182 0 4346 90170 125 0 55 0 0 0\nintr 1\n';
const MEMINFO = `MemTotal:         439184 kB
MemFree:          132476 kB
MemAvailable:     301656 kB
Buffers:           22332 kB
Cached:           166012 kB
SwapCached:            0 kB
`;
const WIRELESS = `Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE
 face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22
 wlan0: 0000   43.  -67.  -256        0      0      0     12     31        0
 wlan1: 0000   70.  -40.  -256        0      0      0      0      0        0
`;

describe('system readers', () => {
  it('computes CPU % from two /proc/stat samples (iowait counts as idle)', () => {
    const a = parseProcStat(STAT_1)!;
    const b = parseProcStat(STAT_2)!;
    // busy +75 (user 50, system 25) of +250 jiffies (idle +170, iowait +5)
    assert.equal(cpuPercent(a, b), 30);
    assert.equal(cpuPercent(a, a), undefined);
    assert.equal(parseProcStat('garbage'), undefined);
  });

  it('reads load, memory in use, uptime and temperature', () => {
    assert.equal(parseLoadavg('0.41 0.38 0.30 1/123 4567\n'), 0.41);
    assert.equal(parseMeminfo(MEMINFO), 31.3); // (439184 - 301656) / 439184
    assert.equal(parseMeminfo('MemTotal: 1000 kB\nMemFree: 500 kB\nBuffers: 100 kB\nCached: 100 kB\n'), 30);
    assert.equal(parseUptime('86400.52 80000.00\n'), 86400);
    assert.equal(parseThermalTemp('51540\n'), 51.5);
    for (const bad of ['', 'x']) {
      assert.equal(parseLoadavg(bad), undefined);
      assert.equal(parseUptime(bad), undefined);
      assert.equal(parseThermalTemp(bad), undefined);
    }
    assert.equal(parseMeminfo('nothing'), undefined);
  });

  it('reads the Wi-Fi signal of the chosen interface, or the first; a positive level is not dBm', () => {
    assert.deepEqual(parseWireless(WIRELESS), { iface: 'wlan0', signalDbm: -67 });
    assert.deepEqual(parseWireless(WIRELESS, 'wlan1'), { iface: 'wlan1', signalDbm: -40 });
    assert.equal(parseWireless(WIRELESS, 'wlan9'), undefined);
    const relative = WIRELESS.replace('-67.', '60.');
    assert.deepEqual(parseWireless(relative), { iface: 'wlan0' });
  });

  it('reads the throttling bits from vcgencmd or sysfs', () => {
    assert.equal(parseThrottled('throttled=0x50005\n'), 0x50005);
    assert.equal(parseThrottled('50000\n'), 0x50000);
    assert.equal(parseThrottled('throttled=0x0'), 0);
    assert.equal(parseThrottled('VCHI initialization failed'), undefined);
    assert.equal(underVoltageNow(0x50005), true);
    assert.equal(underVoltageNow(0x50000), false); // happened since boot, not now
  });

  describe('on this machine', () => {
    it('reads the real /proc and /sys: present files give sane values, absent ones are left out', async () => {
      const reader = new SystemReader({ vcgencmd: '' });
      await reader.prime();
      // Burn a little CPU so two samples of /proc/stat differ by a few jiffies.
      const until = Date.now() + 60;
      while (Date.now() < until) Math.sqrt(Math.random());
      const s = await reader.sample();
      assert.ok(s.cpu !== undefined && s.cpu >= 0 && s.cpu <= 100, `cpu ${s.cpu}`);
      const loadavg = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
      assert.ok(s.load1 !== undefined && Math.abs(s.load1 - loadavg) < 5, `load1 ${s.load1} vs ${loadavg}`);
      assert.ok(s.memUsedPct !== undefined && s.memUsedPct > 0 && s.memUsedPct < 100);
      assert.ok(
        s.uptimeS !== undefined && Math.abs(s.uptimeS - os.uptime()) <= 2,
        `uptime ${s.uptimeS} vs ${os.uptime()}`,
      );
      const zones = existsSync('/sys/class/thermal')
        ? readdirSync('/sys/class/thermal').filter((z) => z.startsWith('thermal_zone'))
        : [];
      if (zones.length > 0) assert.ok(s.tempC !== undefined && s.tempC > -40 && s.tempC < 130);
      else assert.equal('tempC' in s, false);
      if (!existsSync('/proc/net/wireless')) assert.equal('wifi' in s, false);
      if (!existsSync('/sys/devices/platform/soc/soc:firmware/get_throttled'))
        assert.equal('throttled' in s, false);
    });

    it('has no CPU % on the first sample without a prime (one reading is not a rate)', async () => {
      const s = await new SystemReader({ vcgencmd: '' }).sample();
      assert.equal('cpu' in s, false);
    });
  });

  describe('on a recorded Pi file tree', () => {
    let root: string;
    before(() => {
      root = mkdtempSync(path.join(os.tmpdir(), 'pi-root-'));
      const put = (rel: string, text: string): void => {
        mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        writeFileSync(path.join(root, rel), text);
      };
      put('proc/stat', STAT_1);
      put('proc/loadavg', '0.41 0.38 0.30 1/123 4567\n');
      put('proc/meminfo', MEMINFO);
      put('proc/uptime', '86400.52 80000.00\n');
      put('proc/net/wireless', WIRELESS);
      put('sys/class/thermal/thermal_zone0/temp', '51540\n');
      put('sys/class/thermal/thermal_zone0/type', 'cpu-thermal\n');
      put('sys/devices/platform/soc/soc:firmware/get_throttled', '50005\n');
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('gives every field a Pi has', async () => {
      const reader = new SystemReader({ root, vcgencmd: '' });
      await reader.prime();
      writeFileSync(path.join(root, 'proc/stat'), STAT_2);
      assert.deepEqual(await reader.sample(), {
        cpu: 30,
        load1: 0.41,
        memUsedPct: 31.3,
        tempC: 51.5,
        throttled: 0x50005,
        uptimeS: 86400,
        wifi: { iface: 'wlan0', signalDbm: -67 },
      });
    });

    it('falls back to vcgencmd when the sysfs file is absent', async () => {
      rmSync(path.join(root, 'sys/devices'), { recursive: true });
      const bin = path.join(root, 'vcgencmd');
      writeFileSync(bin, '#!/bin/sh\n[ "$1" = get_throttled ] && echo "throttled=0x4"\n', { mode: 0o755 });
      assert.equal((await new SystemReader({ root, vcgencmd: bin }).sample()).throttled, 4);
      const missing = await new SystemReader({ root, vcgencmd: path.join(root, 'nope') }).sample();
      assert.equal('throttled' in missing, false);
    });
  });
});

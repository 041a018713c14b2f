// A mixed site located by trilaterate: three Raspberry Pi scanners (simulated readings through rssi-filter,
// as the hub flow has them) and three ESPresense rooms (ESP32), whose reports are made in ESPresense's
// format from the same simulated radio (fixtures.ts: its trimmed mean of up to 20 readings over 15 s, one
// report a second as with skip_ms = 1000) and turned into readings by tracker-espresense's core.
import assert from 'node:assert/strict';
import type { Position, RssiReading } from '../../nodes/kernel/contract';
import { DEFAULT_NOISE, SiteSimulator } from '../../nodes/kernel/simulation';
import { SiteView } from '../../nodes/kernel/site-view';
import { RssiSmoother } from '../../nodes/rssi-filter/rssi-smoother';
import { Locator } from '../../nodes/trilaterate/locator';
import { EspresenseBridge } from '../../nodes/tracker-espresense/espresense';
import { deviceReport } from './fixtures';

const PIS = [
  { id: 'pi-yard-sw', x: 0, y: 0 },
  { id: 'pi-yard-se', x: 20, y: 0 },
  { id: 'pi-yard-ne', x: 20, y: 30 },
];
const ESPS = [
  { id: 'esp-shed', x: 0, y: 30, room: 'shed' },
  { id: 'esp-kitchen', x: 0, y: 15, room: 'kitchen' },
  { id: 'esp-garage', x: 20, y: 15, room: 'garage' },
];
const SITE = SiteView.fromJson(
  JSON.stringify({
    name: 'Mixed yard',
    scanners: [...PIS, ...ESPS.map(({ id, x, y }) => ({ id, x, y }))],
    dogs: [{ id: 'rex', name: 'Rex', beacon: 'ac:23:3f:a3:80:4b' }],
  }),
);
const START = 1_000_000_000;
const SECONDS = 600;
const WARM_UP_S = 30;
/** ESPresense's filter window and first buffer size; the hub hears a report this late. */
const ESP_WINDOW_MS = 15000;
const ESP_MAX_READINGS = 20;
const MQTT_DELAY_MS = 40;

interface Run {
  rmse: number;
  positions: Position[];
  espReadings: number;
}

/**
 * Locates Rex for ten simulated minutes. `espresense`: the ESP32 rooms report as ESPresense does; `none`:
 * they are left out; `pi`: they are Pis (raw readings), for reference.
 */
function run(rooms: 'espresense' | 'none' | 'pi'): Run {
  const espresense = rooms === 'espresense';
  const sim = new SiteSimulator(SITE.site, { startTs: START, seed: 7, noise: { ...DEFAULT_NOISE } });
  const smoother = new RssiSmoother();
  const bridge = new EspresenseBridge({
    root: 'espresense',
    rooms: Object.fromEntries(ESPS.map((e) => [e.room, e.id])),
    allBeacons: false,
  });
  bridge.setSite(SITE);
  const locator = new Locator(SITE);
  const heard = new Map<string, Array<{ ts: number; rssi: number }>>(ESPS.map((e) => [e.id, []]));
  const truth = new Map<number, { x: number; y: number }>();
  const positions: Position[] = [];
  let espReadings = 0;
  for (let s = 1; s <= SECONDS; s++) {
    const end = START + s * 1000;
    const readings: RssiReading[] = [];
    for (const a of sim.advance(end)) {
      const buffer = heard.get(a.scanner);
      if (rooms === 'none' && buffer) continue;
      if (rooms === 'espresense' && buffer) {
        buffer.push({ ts: a.ts, rssi: a.rssi });
        continue;
      }
      const r = smoother.accept({
        v: 1,
        type: 'rssi',
        scanner: a.scanner,
        ts: a.ts,
        mac: a.mac,
        rssi: a.rssi,
      });
      if (r.reading) readings.push(r.reading);
    }
    truth.set(end, sim.truth()[0]);
    for (const esp of espresense ? ESPS : []) {
      const buffer = heard.get(esp.id)!;
      const recent = buffer.filter((b) => b.ts > end - ESP_WINDOW_MS).slice(-ESP_MAX_READINGS);
      heard.set(esp.id, recent);
      if (recent.length === 0) continue;
      const message = deviceReport(
        esp.room,
        'ac:23:3f:a3:80:4b',
        recent.map((b) => b.rssi),
      );
      const result = bridge.accept(message.topic, Buffer.from(message.payload), end + MQTT_DELAY_MS);
      assert.equal(result.kind, 'reading');
      if (result.kind === 'reading') {
        readings.push(result.reading);
        espReadings++;
      }
    }
    readings.sort((a, b) => a.ts - b.ts);
    for (const r of readings) positions.push(...locator.add(r));
  }
  let sq = 0;
  let n = 0;
  for (const p of positions) {
    const t = truth.get(p.ts);
    if (!t || p.ts < START + WARM_UP_S * 1000) continue;
    sq += (p.x - t.x) ** 2 + (p.y - t.y) ** 2;
    n++;
  }
  return { rmse: Math.sqrt(sq / n), positions, espReadings };
}

describe('a mixed site: Pi scanners and ESPresense rooms located by trilaterate', function () {
  this.timeout(60000);

  it('locates the dog within a few metres, better than the Pis alone', () => {
    const mixed = run('espresense');
    const pisOnly = run('none');
    const allPis = run('pi');
    console.log(
      `      mixed site RMSE ${mixed.rmse.toFixed(2)} m over ${mixed.positions.length} positions ` +
        `(${mixed.espReadings} ESPresense readings); the 3 Pis alone ${pisOnly.rmse.toFixed(2)} m; ` +
        `6 Pis ${allPis.rmse.toFixed(2)} m`,
    );
    assert.ok(mixed.positions.length >= SECONDS - 5, `${mixed.positions.length} positions`);
    assert.ok(mixed.espReadings > SECONDS * 2, 'the ESP32 rooms reported');
    assert.ok(
      mixed.positions.some((p) => p.scanners > 3),
      'positions used ESPresense rooms as well as the Pis',
    );
    assert.ok(mixed.rmse < 6, `mixed RMSE ${mixed.rmse} m`);
    assert.ok(mixed.rmse < pisOnly.rmse, `mixed ${mixed.rmse} m vs Pis alone ${pisOnly.rmse} m`);
  });
});

// The ESPresense conversion on messages in ESPresense's own format (fixtures/espresense-messages.json).
import assert from 'node:assert/strict';
import { SiteView } from '../../nodes/kernel/site-view';
import {
  EspresenseBridge,
  contractId,
  macOf,
  MAX_ROOMS,
  parseRoomMap,
  type EspresenseReading,
} from '../../nodes/tracker-espresense/espresense';
import { RECORDED, SITE as HOME } from './fixtures';

const SITE = SiteView.fromJson(JSON.stringify(HOME));
const T = 1763800000000;

function bridge(): EspresenseBridge {
  const b = new EspresenseBridge({
    root: 'espresense',
    rooms: { kitchen: 'esp-kitchen' },
    allBeacons: false,
  });
  b.setSite(SITE);
  return b;
}

describe('tracker-espresense core', () => {
  it('turns the recorded messages into readings, status and health, skipping the rest', () => {
    const b = bridge();
    const results = RECORDED.map((m, i) => b.accept(m.topic, Buffer.from(m.payload), T + i));
    assert.deepEqual(
      results.map((r) => r.kind),
      ['status', 'health', 'reading', 'reading', 'skipped', 'skipped', 'status', 'skipped', 'status'],
    );
    assert.deepEqual(results[0], { kind: 'status', scanner: 'esp-kitchen', status: 'online' });
    assert.deepEqual(results[1], {
      kind: 'health',
      health: {
        v: 1,
        type: 'health',
        node: 'esp-kitchen',
        ts: T + 1,
        uptimeS: 3605,
        wifi: { iface: 'wifi', signalDbm: -61 },
      },
    });
    const rex = (results[2] as { reading: EspresenseReading }).reading;
    assert.deepEqual(rex, {
      v: 1,
      type: 'rssi',
      scanner: 'esp-kitchen',
      seq: 1,
      ts: T + 2,
      mac: 'ac:23:3f:a3:80:4b',
      id: 'ibeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:1:2',
      rssi: -71.25,
      espresense: { room: 'kitchen', id: 'iBeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825-1-2', distance: 2.78 },
      txPower: -59,
      frame: 'ibeacon',
      rssiVar: 6.42,
      battery: 94,
      dog: 'rex',
    });
    const bella = (results[3] as { reading: EspresenseReading }).reading;
    assert.equal(bella.dog, 'bella', 'matched by MAC');
    assert.equal(bella.id, 'mac:ac:23:3f:a3:80:4c');
    assert.equal(bella.seq, 2, 'seq counts per room');
    assert.equal((results[4] as { reason: string }).reason, 'a beacon of no dog');
    assert.equal((results[5] as { reason: string }).reason, 'a query report');
    assert.deepEqual(
      results[6],
      { kind: 'status', scanner: 'garage', status: 'online' },
      'room = scanner of the same id',
    );
    assert.deepEqual(results[8], { kind: 'status', scanner: 'esp-kitchen', status: 'offline' });
  });

  it('passes other beacons when asked, and skips rooms that are no scanner', () => {
    const b = new EspresenseBridge({ root: 'espresense', rooms: {}, allBeacons: true });
    b.setSite(SITE);
    const phone = RECORDED[4];
    assert.equal(
      b.accept(phone.topic, phone.payload, T).kind,
      'skipped',
      'kitchen is not mapped: no scanner',
    );
    const r = b.accept(phone.topic.replace('/kitchen', '/garage'), phone.payload, T);
    assert.equal(r.kind, 'reading');
    assert.equal((r as { reading: EspresenseReading }).reading.dog, undefined);
  });

  it('refuses hostile input with a short error naming the field', () => {
    const b = bridge();
    const topic = RECORDED[2].topic;
    const huge = 'x'.repeat(100000);
    const cases: Array<[unknown, unknown, RegExp]> = [
      [topic, huge, /^payload must be ESPresense's JSON, got "x{60}"… \(100000 characters\)$/],
      [topic, '[1,2]', /payload must be a JSON object/],
      [topic, '{"mac":"zz","rssi":-70}', /payload\.mac must be a MAC address/],
      [topic, '{"mac":"ac233fa3804b","rssi":"loud"}', /payload\.rssi must be a number of dBm, got "loud"/],
      [topic, '{"mac":"ac233fa3804b","rssi":1e308}', /payload\.rssi/],
      ['espresense/rooms/kitchen/status', 'maybe', /must be "online" or "offline"/],
      [42, '{}', /msg\.topic must be an ESPresense topic, got 42/],
      [`other/${huge}`, '{}', /msg\.topic must start with "espresense\/"/],
      ['espresense/what', '{}', /no ESPresense devices or rooms topic/],
    ];
    for (const [t, p, re] of cases) {
      assert.throws(
        () => b.accept(t, p, T),
        (err: Error) => re.test(err.message) && err.message.length < 200,
        String(re),
      );
    }
    assert.throws(() => new EspresenseBridge().accept(topic, RECORDED[2].payload, T), /site has not loaded/);
  });

  it('converts ids and MACs', () => {
    assert.equal(macOf('AC233FA3804B'), 'ac:23:3f:a3:80:4b');
    assert.equal(macOf('ac:23:3f:a3:80:4b'), 'ac:23:3f:a3:80:4b');
    assert.equal(macOf('ac233fa3804'), undefined);
    assert.equal(
      contractId('altBeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825-7-9', 'm'),
      'altbeacon:fda50693-a4e2-4fb1-afcf-c6eb07647825:7:9',
    );
    assert.equal(
      contractId('eddy:edd1ebeac04e5defa017-0123456789ab', 'm'),
      'eddystone:edd1ebeac04e5defa017:0123456789ab',
    );
    assert.equal(contractId('name:rex-collar', 'aa:bb:cc:dd:ee:ff'), 'mac:aa:bb:cc:dd:ee:ff');
  });

  it('parses the room map and bounds it', () => {
    assert.deepEqual(parseRoomMap('kitchen = esp-kitchen\n garage=pi-garage, '), {
      rooms: { kitchen: 'esp-kitchen', garage: 'pi-garage' },
      errors: [],
    });
    assert.match(parseRoomMap('kitchen').errors[0], /must be "room = scanner"/);
    const many = Array.from({ length: MAX_ROOMS + 5 }, (_, i) => `r${i}=s${i}`).join('\n');
    const parsed = parseRoomMap(many);
    assert.equal(Object.keys(parsed.rooms).length, MAX_ROOMS);
    assert.match(parsed.errors[0], /more than/);
  });
});

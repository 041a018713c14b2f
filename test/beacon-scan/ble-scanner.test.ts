// The scanner through the real noble (with-bindings) and noble's own GAP parser, fed raw advertising data.
import assert from 'node:assert/strict';
import {
  BleScanner,
  describeProblem,
  SETCAP_COMMAND,
  type BleStackFactory,
  type CommandRunner,
  type LiveAdvert,
  type ScanState,
  type ScannerOptions,
} from '../../nodes/beacon-scan/ble-scanner';
import { decodeAdvert } from '../../nodes/beacon-scan/frames';
import { parserDrops } from '../../nodes/beacon-scan/noble-stack';
import { FakeClock, settle, testStackFactory, type TestBindings } from './test-bindings';
import { advertisingData, VECTORS, vector } from './vectors';

const OPTIONS: ScannerOptions = {
  deviceId: 0,
  stallMs: 30_000,
  resetAfterStalls: 3,
  resetCommand: 'hciconfig hci0 reset',
  resetTimeoutMs: 15_000,
  retryMs: 10_000,
};

interface Harness {
  scanner: BleScanner;
  clock: FakeClock;
  adverts: LiveAdvert[];
  states: ScanState[];
  logs: string[];
  commands: Array<{ file: string; args: string[]; finish: (err: Error | null, output: string) => void }>;
}

function harness(create: BleStackFactory, options: Partial<ScannerOptions> = {}): Harness {
  const clock = new FakeClock();
  const h: Omit<Harness, 'scanner'> = { clock, adverts: [], states: [], logs: [], commands: [] };
  const run: CommandRunner = (file, args, _timeout, finish) => h.commands.push({ file, args, finish });
  const scanner = new BleScanner({ ...OPTIONS, ...options }, create, clock, run, {
    advert: (a) => h.adverts.push(a),
    state: (s) => h.states.push({ ...s }),
    log: (level, text) => h.logs.push(`${level}: ${text}`),
  });
  return { ...h, scanner };
}

async function scanning(
  options: Partial<ScannerOptions> = {},
): Promise<Harness & { bindings: TestBindings }> {
  const stacks = testStackFactory();
  const h = harness(stacks.create, options);
  h.scanner.start();
  await settle();
  assert.equal(h.scanner.current.phase, 'scanning');
  return { ...h, bindings: stacks.made[0].bindings };
}

const ROTATING_TAG = 'ac:23:3f:a3:80:4b';

describe('BleScanner', () => {
  it('scans with duplicates allowed and delivers the shared vectors through noble as they were sent', async () => {
    const h = await scanning();
    assert.equal(h.bindings.starts, 1);
    VECTORS.forEach((v, i) => h.bindings.advertise(`c3:00:00:00:00:0${i}`, advertisingData(v), -60 - i));
    assert.equal(h.adverts.length, VECTORS.length);
    h.adverts.forEach((a, i) => {
      assert.equal(a.mac, `c3:00:00:00:00:0${i}`);
      assert.equal(a.rssi, -60 - i);
      assert.equal(a.ts, h.clock.now());
      assert.deepEqual(decodeAdvert(a), VECTORS[i].expect, VECTORS[i].name);
    });
    h.scanner.close();
  });

  it('drops advertisements noble cannot parse and RSSI the controller did not measure, and scans on', async () => {
    const h = await scanning();
    const before = parserDrops.count;
    // AD structures that make noble 1.9.2's parser throw (service data with no bytes; a 1-byte TX power).
    h.bindings.advertise('c3:00:00:00:00:01', Buffer.from([0x01, 0x16]), -60);
    h.bindings.advertise('c3:00:00:00:00:02', Buffer.from([0x01, 0x0a]), -60);
    assert.equal(parserDrops.count, before + 2);
    // 127 is "RSSI not available"; 126 and -128 are outside the HCI range.
    for (const rssi of [127, 126, -128, 21])
      h.bindings.advertise('c3:00:00:00:00:03', advertisingData(VECTORS[0]), rssi);
    assert.equal(h.adverts.length, 0);
    h.bindings.advertise('c3:00:00:00:00:04', advertisingData(VECTORS[0]), -127);
    h.bindings.advertise('c3:00:00:00:00:05', advertisingData(VECTORS[0]), 20);
    assert.deepEqual(
      h.adverts.map((a) => a.rssi),
      [-127, 20],
    );
    h.scanner.close();
  });

  it('decodes each frame of a Minew tag rotating iBeacon, info, accelerometer and T/H frames as sent', async () => {
    const stacks = testStackFactory();
    const h = harness(stacks.create);
    h.scanner.start();
    await settle();
    const { bindings, noble } = stacks.made[0];
    const merged: unknown[] = [];
    noble.on('discover', (p: { advertisement: { manufacturerData?: Buffer } }) =>
      merged.push(p.advertisement.manufacturerData?.toString('hex')),
    );
    const rotation = [
      'ibeacon-bluecharm',
      'minew-info-plus',
      'minew-accel-e8',
      'ibeacon-bluecharm',
      'minew-ht-s1',
    ];
    for (let round = 0; round < 3; round++) {
      for (const name of rotation) bindings.advertise(ROTATING_TAG, advertisingData(vector(name)), -70);
    }
    const frames = h.adverts.map((a) => decodeAdvert(a));
    const sent = [...rotation, ...rotation, ...rotation].map((name) => vector(name).expect);
    assert.deepEqual(frames, sent);
    // The trap is real: noble's merged advertisement still shows the iBeacon bytes on the info frame.
    assert.equal(merged[1], vector('ibeacon-bluecharm').manufacturerData);
    h.scanner.close();
  });

  it('keeps the frames of a connectable tag apart across scan responses', async () => {
    const h = await scanning();
    // ADV_IND with an iBeacon, its scan response with a name; then ADV_IND with Eddystone-UID.
    const ib = advertisingData(vector('ibeacon-bluecharm'));
    h.bindings.advertise('d0:00:00:00:00:01', ib, -60, 0x00);
    h.bindings.advertise('d0:00:00:00:00:01', Buffer.from('05094d696e65', 'hex'), -60, 0x04);
    h.bindings.advertise('d0:00:00:00:00:01', advertisingData(vector('eddystone-uid-bluecharm')), -61, 0x00);
    h.bindings.advertise('d0:00:00:00:00:01', Buffer.from('05094d696e65', 'hex'), -61, 0x04);
    const frames = h.adverts.map((a) => decodeAdvert(a).frame);
    // noble reports a connectable tag after its scan response: two reports, each with its own frame.
    assert.deepEqual(frames, ['ibeacon', 'eddystone-uid']);
    h.scanner.close();
  });

  it('restarts scanning after a stall, resets the adapter after repeated stalls, and recovers', async () => {
    const h = await scanning();
    h.bindings.advertise(ROTATING_TAG, advertisingData(vector('ibeacon-bluecharm')), -70);
    h.clock.advance(29_000);
    assert.equal(h.scanner.current.stalls, 0);
    h.clock.advance(1_000);
    assert.equal(h.scanner.current.stalls, 1);
    assert.ok(
      h.states.some((s) => s.phase === 'stalled' && /no advertisement for 30 s/.test(s.problem ?? '')),
    );
    assert.equal(h.scanner.current.phase, 'restarting');
    assert.equal(h.bindings.stops, 1);
    assert.equal(h.bindings.starts, 2);
    await settle();
    assert.equal(h.scanner.current.phase, 'scanning');

    h.clock.advance(60_000);
    assert.equal(h.scanner.current.stalls, 3);
    assert.equal(h.scanner.current.phase, 'resetting');
    assert.deepEqual(
      h.commands.map((c) => [c.file, c.args]),
      [['hciconfig', ['hci0', 'reset']]],
    );
    assert.equal(h.clock.pending, 0, 'no watchdog runs while the reset command runs');
    h.commands[0].finish(
      new Error('Command failed: hciconfig hci0 reset'),
      "Can't init device hci0: Operation not permitted (1)",
    );
    assert.match(
      h.logs.at(-1)!,
      /adapter reset "hciconfig hci0 reset" failed .*Operation not permitted.*setcap/,
    );
    assert.equal(h.scanner.current.phase, 'restarting');
    assert.equal(h.scanner.current.resets, 1);

    // The next reset waits twice as many stalls in a row.
    h.clock.advance(30_000 * 2);
    assert.equal(h.commands.length, 1);
    h.clock.advance(30_000);
    assert.equal(h.commands.length, 2);
    h.commands[1].finish(null, '');
    assert.match(h.logs.at(-1)!, /adapter reset "hciconfig hci0 reset" done/);

    // Advertisements again: scanning, the count of stalls kept, the back-off forgotten.
    await settle();
    h.bindings.advertise(ROTATING_TAG, advertisingData(vector('ibeacon-bluecharm')), -70);
    assert.equal(h.scanner.current.phase, 'scanning');
    assert.deepEqual([h.scanner.current.stalls, h.scanner.current.resets], [6, 2]);
    h.clock.advance(90_000);
    assert.equal(h.commands.length, 3, 'reset after 3 stalls again');
    h.scanner.close();
    assert.equal(h.clock.pending, 0);
  });

  it('never resets with resetAfterStalls 0 and a watchdog that sees steady adverts never fires', async () => {
    const h = await scanning({ resetAfterStalls: 0 });
    for (let i = 0; i < 100; i++) {
      h.clock.advance(1_000);
      h.bindings.advertise(ROTATING_TAG, advertisingData(vector('minew-accel-e8')), -70);
    }
    assert.equal(h.scanner.current.stalls, 0);
    h.clock.advance(31_000 * 5);
    assert.equal(h.scanner.current.stalls, 5);
    assert.equal(h.commands.length, 0);
    h.scanner.close();
  });

  it('explains a machine without Bluetooth, logs it once, retries and starts when it can', async () => {
    let fail = 3;
    const stacks = testStackFactory();
    const create: BleStackFactory = (id) => {
      if (fail-- > 0)
        throw Object.assign(new Error('EAFNOSUPPORT, Address family not supported by protocol'), {
          code: 'EAFNOSUPPORT',
        });
      return stacks.create(id);
    };
    const h = harness(create);
    h.scanner.start();
    assert.equal(h.scanner.current.phase, 'unavailable');
    assert.match(h.scanner.current.problem!, /no Bluetooth on this machine \(EAFNOSUPPORT\)/);
    assert.match(h.scanner.current.hint!, /simulate or replay/);
    h.clock.advance(10_000);
    h.clock.advance(10_000);
    assert.equal(h.logs.length, 1, 'logged once');
    h.clock.advance(10_000);
    await settle();
    assert.equal(h.scanner.current.phase, 'scanning');
    h.scanner.close();
    assert.equal(h.clock.pending, 0);
  });

  it('explains a missing adapter (ENODEV at init), gives the stack back as broken and retries', async () => {
    const enodev = Object.assign(new Error('ENODEV, No such device'), { code: 'ENODEV' });
    const stacks = testStackFactory({ initError: enodev });
    const h = harness(stacks.create);
    h.scanner.start();
    await settle();
    assert.equal(h.scanner.current.phase, 'unavailable');
    assert.match(h.scanner.current.problem!, /no Bluetooth adapter hci0 \(ENODEV\)/);
    assert.deepEqual(stacks.made[0].released, [true]);
    h.clock.advance(10_000);
    await settle();
    assert.equal(stacks.made.length, 2);
    h.scanner.close();
  });

  it('explains a missing permission with the setcap line, and an adapter that is off until it is on', async () => {
    const denied = testStackFactory({ state: 'unauthorized' });
    const h = harness(denied.create);
    h.scanner.start();
    await settle();
    assert.equal(h.scanner.current.phase, 'unavailable');
    assert.equal(h.scanner.current.problem, 'no permission to scan');
    assert.ok(h.scanner.current.hint!.includes(SETCAP_COMMAND));
    h.scanner.close();

    const off = testStackFactory({ state: 'poweredOff' });
    const h2 = harness(off.create);
    h2.scanner.start();
    await settle();
    assert.equal(h2.scanner.current.phase, 'waiting');
    assert.match(h2.scanner.current.hint!, /rfkill unblock bluetooth/);
    off.made[0].bindings.setState('poweredOn');
    await settle();
    assert.equal(h2.scanner.current.phase, 'scanning');
    h2.scanner.close();
  });

  it('stops and starts on command, ignoring adverts while stopped, and leaves no timer after close', async () => {
    const h = await scanning();
    h.scanner.stop();
    assert.equal(h.scanner.current.phase, 'stopped');
    assert.equal(h.clock.pending, 0);
    h.bindings.advertise(ROTATING_TAG, advertisingData(vector('ibeacon-bluecharm')), -70);
    assert.equal(h.adverts.length, 0);
    h.scanner.rescan();
    await settle();
    assert.equal(h.scanner.current.phase, 'scanning');
    h.bindings.advertise(ROTATING_TAG, advertisingData(vector('ibeacon-bluecharm')), -70);
    assert.equal(h.adverts.length, 1);
    h.scanner.close();
    assert.equal(h.clock.pending, 0);
  });

  it('turns load errors into a problem and what to do', () => {
    const missing = Object.assign(new Error("Cannot find module '@abandonware/noble'"), {
      code: 'MODULE_NOT_FOUND',
    });
    assert.match(describeProblem(missing, 'hci0').hint, /apt-get install bluetooth bluez libbluetooth-dev/);
    assert.match(describeProblem(new Error('something odd'), 'hci1').problem, /something odd/);
  });
});

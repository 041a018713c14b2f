// The scanner's own beacon: the HCI bytes written through noble's real hci-socket layer (lib/hci-socket/hci.js
// over a fake socket, initialised as on a Pi), the frame decoded back by beacon-scan's own decoder through
// noble's GAP parser, the refusals, the off setting and close.
import assert from 'node:assert/strict';
import { EventEmitter } from 'events';
import Module = require('module');
import * as path from 'path';
import {
  Advertiser,
  advertisingPayload,
  scannerUid,
  type AdvertState,
} from '../../nodes/beacon-scan/advertiser';
import { decodeAdvert, frameId } from '../../nodes/beacon-scan/frames';
import type { AdvertData } from '../../nodes/beacon-scan/frames';
import { FakeClock, settle, TestBindings } from './test-bindings';

class FakeSocket extends EventEmitter {
  readonly written: Buffer[] = [];
  bindUser(): void {}
  bindRaw(): void {}
  start(): void {}
  setFilter(): void {}
  isDevUp(): boolean {
    return true;
  }
  write(data: Buffer): void {
    this.written.push(Buffer.from(data));
  }
}

interface RealHci extends EventEmitter {
  _socket: FakeSocket;
  _userChannel: boolean;
  _state: string | null;
  init(): void;
}

/** noble's own hci.js with the native socket replaced (loaded fresh, the cache put back afterwards). */
function realHci(): RealHci {
  const hciPath = require.resolve('@abandonware/noble/lib/hci-socket/hci');
  const socketPath = require.resolve('@abandonware/bluetooth-hci-socket', { paths: [path.dirname(hciPath)] });
  const saved = { hci: require.cache[hciPath], socket: require.cache[socketPath] };
  const fake = new Module(socketPath);
  fake.exports = FakeSocket;
  fake.loaded = true;
  require.cache[socketPath] = fake;
  delete require.cache[hciPath];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Hci = require(hciPath) as new (options: { deviceId: number }) => RealHci;
    const hci = new Hci({ deviceId: 0 });
    // The user-channel start: HCI reset, then noble's own init sequence, with no 1 s device poll timer.
    hci._userChannel = true;
    return hci;
  } finally {
    if (saved.socket) require.cache[socketPath] = saved.socket;
    else delete require.cache[socketPath];
    if (saved.hci) require.cache[hciPath] = saved.hci;
    else delete require.cache[hciPath];
  }
}

function complete(opcode: number, status = 0, result: number[] = []): Buffer {
  return Buffer.from([
    0x04,
    0x0e,
    3 + 1 + result.length,
    0x01,
    opcode & 0xff,
    opcode >> 8,
    status,
    ...result,
  ]);
}

/** Brings noble's Hci up to poweredOn by answering its init commands as a controller does. */
function powerOn(hci: RealHci): void {
  hci.init();
  const sock = hci._socket;
  sock.emit('data', complete(0x0c03));
  sock.emit('data', complete(0x1001, 0, [0x09, 0, 0, 0x09, 0x0f, 0, 0, 0])); // local version: HCI 5.0
  sock.emit('data', complete(0x200b)); // scan parameters set: noble says poweredOn
  assert.equal(hci._state, 'poweredOn');
}

const hex = (b: Buffer): string => b.toString('hex');
const ID = 'kennel';
const UID = scannerUid(ID);
assert.ok(UID.ok);
const AD = advertisingPayload(UID.uid);
const DISABLE = '010a200100';
const PARAMS = '0106200f' + '4006' + '4006' + '03' + '00' + '00' + '000000000000' + '07' + '00';
const DATA = '01082020' + '1f' + hex(AD);
const ENABLE = '010a200101';

function setUp(enabled = true): { hci: RealHci; adv: Advertiser; states: AdvertState[]; clock: FakeClock } {
  const hci = realHci();
  powerOn(hci);
  hci._socket.written.length = 0;
  const states: AdvertState[] = [];
  const clock = new FakeClock();
  const adv = new Advertiser({ scanner: ID, enabled, intervalMs: 1000 }, clock, (s) => states.push({ ...s }));
  adv.attach({ _hci: hci });
  return { hci, adv, states, clock };
}

/** Answers each advertising command as it is written, with `status` for `opcode`. */
function answer(hci: RealHci, statusOf: (opcode: number) => number = () => 0): void {
  let done = 0;
  while (done < hci._socket.written.length) {
    const cmd = hci._socket.written[done++];
    const opcode = cmd.readUInt16LE(1);
    if ((opcode & 0xfc00) !== 0x2000 || opcode === 0x200b || opcode === 0x200c) continue;
    hci._socket.emit('data', complete(opcode, statusOf(opcode)));
  }
}

describe('beacon-scan advertiser', () => {
  it('writes disable, non-connectable 1 s parameters, the Eddystone-UID data and enable through noble’s hci socket', () => {
    const { hci, adv, states } = setUp();
    assert.deepEqual(hci._socket.written.map(hex), [DISABLE]); // one command at a time, each awaited
    answer(hci);
    assert.deepEqual(hci._socket.written.map(hex), [DISABLE, PARAMS, DATA, ENABLE]);
    assert.equal(
      hex(AD),
      '0201060303aafe1716aafe00ee' + 'd0677a5c' + Buffer.from(ID).toString('hex') + '000000000000' + '0000',
    );
    assert.equal(AD.length, 31);
    assert.equal(adv.current.phase, 'advertising');
    assert.deepEqual(
      states.map((s) => s.phase),
      ['starting', 'advertising'],
    );
  });

  it('the frame, parsed by noble’s GAP layer and beacon-scan’s decoder on another Pi, is reading id scanner:<id>', async () => {
    const other = new TestBindings();
    other.scanning = true;
    const got = new Promise<AdvertData>((resolve) =>
      other.on('discover', (...args: unknown[]) => resolve(args[4] as AdvertData)),
    );
    other.advertise('b8:27:eb:00:00:01', AD, -70);
    const ad = await got;
    const decoded = decodeAdvert(ad);
    assert.equal(decoded.frame, 'eddystone-uid');
    assert.equal(frameId(decoded, 'b8:27:eb:00:00:01'), 'scanner:kennel');
    for (const id of ['a', 'pi-garden-12', 'hütte']) {
      const uid = scannerUid(id);
      assert.ok(uid.ok);
      const d = decodeAdvert({
        serviceData: [{ uuid: 'feaa', data: advertisingPayload(uid.uid).subarray(11) }],
      });
      assert.equal(frameId(d, 'x'), `scanner:${id}`);
    }
    // An ordinary Eddystone-UID tag keeps its own id.
    const tag = decodeAdvert({
      serviceData: [{ uuid: 'feaa', data: Buffer.from('00ee' + '11'.repeat(16), 'hex') }],
    });
    assert.equal(frameId(tag, 'x'), `eddystone:${'11'.repeat(10)}:${'11'.repeat(6)}`);
    await settle();
  });

  it('an id too long to carry is refused with a clear problem, nothing sent', () => {
    const hci = realHci();
    powerOn(hci);
    hci._socket.written.length = 0;
    const adv = new Advertiser(
      { scanner: 'a-very-long-scanner-name', enabled: true, intervalMs: 1000 },
      new FakeClock(),
      () => {},
    );
    adv.attach({ _hci: hci });
    assert.equal(adv.current.phase, 'refused');
    assert.match(adv.current.problem ?? '', /too long to advertise/);
    assert.equal(hci._socket.written.length, 0);
  });

  it('command disallowed (0x0C) while scanning: status "cannot advertise while scanning", no enable sent', () => {
    const { hci, adv } = setUp();
    answer(hci, (op) => (op === 0x2006 ? 0x0c : 0));
    assert.equal(adv.current.phase, 'refused');
    assert.match(adv.current.problem ?? '', /cannot advertise while scanning/);
    assert.deepEqual(hci._socket.written.map(hex), [DISABLE, PARAMS]);
  });

  it('a silent adapter times out into a refusal', () => {
    const { adv, clock } = setUp();
    clock.advance(5000);
    assert.equal(adv.current.phase, 'refused');
    assert.match(adv.current.problem ?? '', /did not answer/);
  });

  it('off: nothing is written', () => {
    const { hci, adv } = setUp(false);
    answer(hci);
    assert.equal(hci._socket.written.length, 0);
    assert.equal(adv.current.phase, 'off');
    adv.close();
    assert.equal(hci._socket.written.length, 0);
  });

  it('sets advertising up again after an adapter reset', () => {
    const { hci, adv } = setUp();
    answer(hci);
    hci._socket.written.length = 0;
    hci._socket.emit('data', complete(0x0c03)); // someone ran hciconfig hci0 reset
    // noble re-initialises (event masks, version) and the advertiser starts again with its disable.
    assert.ok(hci._socket.written.map(hex).includes(DISABLE));
    hci._socket.written.length = 0;
    hci._socket.emit('data', complete(0x200a)); // the disable done
    hci._socket.emit('data', complete(0x2006));
    hci._socket.emit('data', complete(0x2008));
    hci._socket.emit('data', complete(0x200a));
    assert.deepEqual(hci._socket.written.map(hex), [PARAMS, DATA, ENABLE]);
    assert.equal(adv.current.phase, 'advertising');
  });

  it('close disables advertising and lets the socket go', () => {
    const { hci, adv } = setUp();
    answer(hci);
    hci._socket.written.length = 0;
    adv.close();
    assert.deepEqual(hci._socket.written.map(hex), [DISABLE]);
    assert.equal(hci._socket.listenerCount('data'), 1); // noble's own only
  });
});

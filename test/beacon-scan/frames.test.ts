import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'fs';
import fc from 'fast-check';
import {
  decodeAdvert,
  decodeManufacturerData,
  decodeServiceData,
  frameId,
  type AdvertData,
} from '../../nodes/beacon-scan/frames';
import { VECTORS, VECTORS_COPY, VECTORS_SHARED, vector } from './vectors';

function adOf(name: string): AdvertData {
  const v = vector(name);
  return {
    manufacturerData: v.manufacturerData ? Buffer.from(v.manufacturerData, 'hex') : undefined,
    serviceData: v.serviceData
      ? [{ uuid: v.serviceData.uuid, data: Buffer.from(v.serviceData.data, 'hex') }]
      : undefined,
  };
}

describe('beacon frame decoder', () => {
  describe('decodes every shared vector to exactly its expected fields', () => {
    for (const v of VECTORS) {
      it(v.name, () => assert.deepEqual(decodeAdvert(adOf(v.name)), v.expect));
    }
  });

  it('gives each frame the reading id of the contract', () => {
    const mac = 'ac:23:3f:a3:80:4b';
    assert.equal(
      frameId(decodeAdvert(adOf('ibeacon-bluecharm')), mac),
      'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949',
    );
    assert.equal(
      frameId(decodeAdvert(adOf('eddystone-uid-bluecharm')), mac),
      'eddystone:626c7565636861726d31:000000000001',
    );
    assert.equal(
      frameId(decodeAdvert(adOf('altbeacon-reference')), mac),
      'altbeacon:2f234454-cf6d-4a0f-adf2-f4911ba9ffa6:1:2',
    );
    assert.equal(frameId(decodeAdvert(adOf('minew-accel-e8')), mac), `mac:${mac}`);
    assert.equal(frameId(decodeAdvert(adOf('eddystone-tlm')), mac), `mac:${mac}`);
  });

  it('decodes an Eddystone-EID frame as an id', () => {
    const d = decodeServiceData('feaa', Buffer.from('30f01122334455667788', 'hex'));
    assert.deepEqual(d, { frame: 'eddystone-eid', eddystone: { eid: '1122334455667788' }, txPower: -16 });
    assert.equal(frameId(d, 'aa:bb:cc:dd:ee:ff'), 'eddystone-eid:1122334455667788');
  });

  it('leaves out TLM fields the beacon marks as not measured', () => {
    const d = decodeServiceData('feaa', Buffer.from('200000008000000000010000000a', 'hex'));
    assert.deepEqual(d, { frame: 'eddystone-tlm', eddystone: { advCount: 1, uptimeS: 1 } });
  });

  it('reads negative Minew temperatures and leaves out a battery byte over 100 %', () => {
    // -5.5 °C = 0xfa80, battery byte 0xff
    const d = decodeServiceData('ffe1', Buffer.from('a101fffa80394ae53f390000c3', 'hex'));
    assert.deepEqual(d, {
      frame: 'minew-ht',
      minew: { mac: 'c3:00:00:39:3f:e5', tempC: -5.5, humidity: 57.29 },
    });
  });

  it('explains truncated frames instead of throwing', () => {
    const ib = Buffer.from(vector('ibeacon-bluecharm').manufacturerData!, 'hex');
    assert.deepEqual(decodeManufacturerData(ib.subarray(0, 20)), {
      frame: 'unknown',
      undecoded: 'iBeacon frame truncated: 20 of 25 bytes',
    });
    assert.match(
      decodeServiceData('feaa', Buffer.from('0000', 'hex')).undecoded!,
      /Eddystone-UID frame truncated/,
    );
    assert.match(
      decodeServiceData('ffe1', Buffer.from('a103', 'hex')).undecoded!,
      /Minew accelerometer .*truncated/,
    );
    assert.match(decodeServiceData('feaa', Buffer.from('1000ff41', 'hex')).undecoded!, /invalid scheme/);
    assert.match(decodeServiceData('feaa', Buffer.from('2001', 'hex')).undecoded!, /truncated/);
    assert.match(
      decodeServiceData('feaa', Buffer.from('2001000000000000000000000000', 'hex')).undecoded!,
      /encrypted/,
    );
  });

  it('says what it saw when the bytes are no beacon frame', () => {
    assert.deepEqual(decodeAdvert({}), { frame: 'unknown', undecoded: 'no manufacturer or service data' });
    assert.deepEqual(decodeAdvert({ manufacturerData: Buffer.from('0600010920', 'hex') }), {
      frame: 'unknown',
      undecoded: 'manufacturer 0x0006 data is not a beacon frame',
    });
    assert.equal(
      decodeAdvert({ serviceData: [{ uuid: 'fe9f', data: Buffer.from('00', 'hex') }] }).undecoded,
      'service data 0xfe9f is not a beacon frame',
    );
  });

  it('prefers a known frame over unknown data in the same advertisement', () => {
    const d = decodeAdvert({
      manufacturerData: Buffer.from('0600010920', 'hex'),
      serviceData: adOf('minew-info-plus').serviceData,
    });
    assert.equal(d.frame, 'minew-info');
  });

  describe('fuzz', () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
    const serviceData = fc.array(
      fc.record({ uuid: fc.constantFrom('feaa', 'ffe1', 'fe9f', 'FEAA'), data: bytes }),
      { maxLength: 3 },
    );

    it('returns a result object for any bytes and never throws', () => {
      fc.assert(
        fc.property(fc.option(bytes, { nil: undefined }), serviceData, (manufacturerData, sd) => {
          const d = decodeAdvert({ manufacturerData, serviceData: sd });
          assert.equal(typeof d.frame, 'string');
          assert.equal(d.frame === 'unknown', typeof d.undecoded === 'string');
          assert.equal(typeof frameId(d, 'aa:bb:cc:dd:ee:ff'), 'string');
          // Whatever decodes is plain data: it survives JSON unchanged (no NaN, no Buffers).
          assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
        }),
        { numRuns: 3000 },
      );
    });

    it('decodes any well-formed iBeacon frame back to its fields', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.integer({ min: 0, max: 65535 }),
          fc.integer({ min: 0, max: 65535 }),
          fc.integer({ min: -128, max: 127 }),
          (uuid, major, minor, tx) => {
            const b = Buffer.alloc(25);
            b.set([0x4c, 0x00, 0x02, 0x15], 0);
            b.set(uuid, 4);
            b.writeUInt16BE(major, 20);
            b.writeUInt16BE(minor, 22);
            b.writeInt8(tx, 24);
            const d = decodeManufacturerData(b);
            assert.equal(d.frame, 'ibeacon');
            assert.equal(d.ibeacon!.uuid.replace(/-/g, ''), Buffer.from(uuid).toString('hex'));
            assert.deepEqual([d.ibeacon!.major, d.ibeacon!.minor, d.txPower], [major, minor, tx]);
          },
        ),
      );
    });

    it('decodes any Minew accelerometer frame to values within 1/2 LSB of the raw 8.8 numbers', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 3, maxLength: 3 }),
          (xyz) => {
            const b = Buffer.from('a10364000000000000112233445566', 'hex');
            xyz.forEach((v, i) => b.writeInt16BE(v, 3 + 2 * i));
            const d = decodeServiceData('ffe1', b);
            assert.equal(d.frame, 'minew-accel');
            d.minew!.accel!.forEach((g, i) => assert.ok(Math.abs(g - xyz[i] / 256) <= 0.00005 + 1e-12));
            assert.equal(d.minew!.mac, '66:55:44:33:22:11');
          },
        ),
      );
    });
  });
});

describe('shared vectors', () => {
  it('the copy kept with the tests is the shared original (when shared/ is beside the clone)', function () {
    if (!existsSync(VECTORS_SHARED)) this.skip();
    assert.equal(readFileSync(VECTORS_COPY, 'utf8'), readFileSync(VECTORS_SHARED, 'utf8'));
  });
});

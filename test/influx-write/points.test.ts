// The conversion of contract messages to line protocol, checked line by line.
import assert from 'node:assert/strict';
import {
  escapeKey,
  escapeMeasurement,
  formatLine,
  quoteString,
} from '../../nodes/influx-write/line-protocol';
import { toLineProtocol } from '../../nodes/influx-write/points';
import { meshSample, parseMeshJson, parseOriginatorsJson } from '../../nodes/batman-health/batctl';
import { buildHealth } from '../../nodes/batman-health/messages';
import { IV_MJ, IV_OJ } from '../batman-health/fixtures';
import { activity, alert, health, notification, position, reading } from './fixtures';

describe('influx-write: contract messages to line protocol', () => {
  it('writes an rssi reading as the contract says: tags scanner, dog, mac; rssi a float; ts in ms', () => {
    assert.deepEqual(toLineProtocol(reading), {
      lines: [
        'rssi,dog=rex,mac=ac:23:3f:a3:80:4b,scanner=pi-yard-ne rssi=-71,txPower=-59,battery=94 1763800000123',
      ],
      errors: [],
    });
  });

  it('adds rssiRaw and rssiVar from rssi-filter and leaves dog out when the beacon has none', () => {
    const filtered = {
      ...reading,
      dog: undefined,
      rssi: -70.25,
      rssiRaw: -71,
      rssiVar: 3.5,
      battery: undefined,
    };
    assert.deepEqual(toLineProtocol(filtered).lines, [
      'rssi,mac=ac:23:3f:a3:80:4b,scanner=pi-yard-ne rssi=-70.25,rssiRaw=-71,rssiVar=3.5,txPower=-59 1763800000123',
    ]);
  });

  it('writes a position with tag dog, scanners as an integer and the method as a string', () => {
    assert.deepEqual(toLineProtocol(position).lines, [
      'position,dog=rex x=12.4,y=7.9,lat=52.09077,lon=5.12158,accuracy=1.8,vx=0.4,vy=-1.1,scanners=4i,method="tracker" 1763800001000',
    ]);
  });

  it('writes an alert with tags dog, zone, event, severity and a text that is always there', () => {
    assert.deepEqual(toLineProtocol(alert).lines, [
      'alert,dog=rex,event=exit,severity=critical,zone=yard x=21.3,y=30.8,since=1763800002000i,kind="safe",text="rex exit yard" 1763800009000',
    ]);
    const missing = { v: 1, type: 'alert', event: 'missing', dog: 'rex', severity: 'warning', ts: 5 };
    assert.deepEqual(toLineProtocol(missing).lines, [
      'alert,dog=rex,event=missing,severity=warning text="rex missing" 5',
    ]);
  });

  it('writes an activity with tags dog, state, source, the counts as integers and the rest as floats', () => {
    assert.deepEqual(toLineProtocol(activity), {
      lines: [
        'activity,dog=rex,source=accel,state=rest restS=60,movingS=0,runningS=0,level=0.021,samples=59i,' +
          'stillMin=42i,activeMin=96i,restMin=512i,longestRestMin=143i,nightRestlessMin=7i,baselineDays=7i,' +
          'baselineActiveMin=181.4,baselineRestMin=1130.2,baselineLongestRestMin=170.1,baselineNightRestlessMin=9.3 ' +
          '1763800020000',
      ],
      errors: [],
    });
  });

  it('writes a notification step with its tags, alert and device strings, step and status integers, and a text', () => {
    assert.deepEqual(
      toLineProtocol([notification, { ...notification, what: 'failed', detail: 'no "route"' }]),
      {
        lines: [
          'notification,category=escape,channel=push,dog=rex,event=exit,login=ben,severity=critical,what=delivered,zone=yard ' +
            'alert="mi6z0abc-Xy3kQ9aZ0b",device="Qm9vX3Bob25l",step=0i,status=201i,text="delivered" 1763800009120',
          'notification,category=escape,channel=push,dog=rex,event=exit,login=ben,severity=critical,what=failed,zone=yard ' +
            'alert="mi6z0abc-Xy3kQ9aZ0b",device="Qm9vX3Bob25l",step=0i,status=201i,text="failed: no \\"route\\"" 1763800009120',
        ],
        errors: [],
      },
    );
  });

  it('refuses an activity or notification with a bad field, naming it with a short excerpt', () => {
    const bad = toLineProtocol([
      { ...activity, restS: Number.NaN },
      { ...activity, today: { ...activity.today, activeMin: 'x'.repeat(5000) } },
      { ...notification, what: 'exploded' },
      { ...notification, step: 1.5 },
    ]);
    assert.deepEqual(bad.lines, []);
    assert.equal(bad.errors.length, 4);
    assert.match(bad.errors[0], /^payload\[0\]\.restS must be a finite number \(s of the minute\), not NaN/);
    assert.match(bad.errors[1], /^payload\[1\]\.today\.activeMin must be an integer \(min\), not "x+…?"/);
    assert.ok(bad.errors[1].length < 200, bad.errors[1]);
    assert.match(bad.errors[2], /^payload\[2\]\.what must be one of opened, .*, not "exploded"/);
    assert.match(bad.errors[3], /^payload\[3\]\.step must be an integer, not 1\.5/);
  });

  it('writes health as one point of numeric fields and one point per mesh neighbour (tag neighbor)', () => {
    assert.deepEqual(toLineProtocol(health).lines, [
      'health,node=pi-yard-ne cpu=23.5,load1=0.41,memUsedPct=61.2,tempC=51.2,throttled=0i,uptimeS=86400,wifiSignalDbm=-58,meshOriginators=5i 1763800000000',
      'health,iface=wlan0,neighbor=b8:27:eb:00:00:02,node=pi-yard-ne lastSeenMs=410,tq=251i 1763800000000',
      'health,iface=wlan0,neighbor=b8:27:eb:00:00:03,node=pi-yard-ne lastSeenMs=1200,tq=190i 1763800000000',
    ]);
  });

  it('stores the health batman-health builds from real batctl output', () => {
    const parts = { info: parseMeshJson(IV_MJ), originators: parseOriginatorsJson(IV_OJ) };
    const mesh = meshSample(parts, 'bat0');
    const built = buildHealth(
      'pi-yard-ne',
      1763800000000,
      { cpu: 12.5, throttled: 0x50005, uptimeS: 1234.5 },
      mesh,
    );
    assert.deepEqual(toLineProtocol(built), {
      lines: [
        'health,node=pi-yard-ne cpu=12.5,throttled=327685i,uptimeS=1234.5,meshOriginators=3i 1763800000000',
        'health,iface=wlan1-mesh_250,neighbor=02:ab:46:46:28:95,node=pi-yard-ne lastSeenMs=410,tq=251i 1763800000000',
        'health,iface=wlan0-mesh_250,neighbor=02:58:47:da:4e:aa,node=pi-yard-ne lastSeenMs=1230,tq=87i 1763800000000',
      ],
      errors: [],
    });
  });

  it('stores health fields a platform cannot read by leaving them out, and new numeric fields as floats', () => {
    const pi = { v: 1, type: 'health', node: 'hub', ts: 7, cpu: 3, diskUsedPct: 40 };
    assert.deepEqual(toLineProtocol(pi).lines, ['health,node=hub cpu=3,diskUsedPct=40 7']);
    // Left out means absent: a null is a wrong type, refused by the kernel parser like every node's.
    assert.deepEqual(toLineProtocol({ ...pi, tempC: null }).errors, [
      'payload.tempC must be a finite number (°C), not null',
    ]);
  });

  it('takes a batch of mixed types, and rounds a fractional ts to the millisecond', () => {
    const { lines, errors } = toLineProtocol([reading, { ...position, ts: 1763800001000.6 }, alert]);
    assert.deepEqual(errors, []);
    assert.equal(lines.length, 3);
    assert.match(lines[1], / 1763800001001$/);
  });

  it('reports each message it cannot convert, naming it and the problem, and converts the rest', () => {
    const { lines, errors } = toLineProtocol([
      reading,
      { ...reading, mac: undefined },
      { ...position, x: '12' },
      'garbage',
      { ...reading, v: 2 },
      { v: 1, type: 'weather', ts: 1 },
      { ...health, throttled: 0.5 },
      { ...alert, ts: -1 },
      { v: 1, type: 'health', node: 'hub', ts: 1, wifi: { iface: 'wlan0' } },
      position,
    ]);
    assert.equal(lines.length, 2);
    assert.deepEqual(errors, [
      'payload[1].mac is required (a non-empty string)',
      'payload[2].x must be a finite number (m), not "12"',
      'payload[3] must be a contract message (an object of type rssi, position, alert, health, activity, notification), not "garbage"',
      'payload[4].v must be 1 (the contract version), not 2',
      'payload[5].type must be one of rssi, position, alert, health, activity, notification, not "weather"',
      'payload[6].throttled must be an integer, not 0.5',
      'payload[7].ts must be a time between 1970 and 2100 (ms since the epoch), not -1',
      'payload[8]: health has no numeric field to store',
    ]);
  });

  it('takes the JSON text of a message or batch, as an mqtt in node gives it, and says when it is not JSON', () => {
    const expected = toLineProtocol([reading, position]).lines;
    assert.deepEqual(toLineProtocol(JSON.stringify([reading, position])).lines, expected);
    assert.deepEqual(toLineProtocol(Buffer.from(JSON.stringify([reading, position]))).lines, expected);
    assert.deepEqual(toLineProtocol('{"v":1,"type":'), {
      lines: [],
      errors: [
        'payload: neither a contract message nor its JSON text: payload is text but not valid JSON: "{\\"v\\":1,\\"type\\":"',
      ],
    });
  });

  it('leaves out absent fields, and refuses NaN and infinite ones, which InfluxDB cannot store', () => {
    assert.deepEqual(
      toLineProtocol({ ...position, vx: undefined, vy: undefined, lat: undefined, lon: undefined }).lines,
      ['position,dog=rex x=12.4,y=7.9,accuracy=1.8,scanners=4i,method="tracker" 1763800001000'],
    );
    assert.deepEqual(toLineProtocol({ ...position, vx: NaN, vy: Infinity }).errors, [
      'payload.vx must be a finite number (m/s), not NaN; payload.vy must be a finite number (m/s), not Infinity',
    ]);
    assert.deepEqual(toLineProtocol({ ...reading, rssi: NaN }).errors, [
      'payload.rssi must be a finite number (dBm), not NaN',
    ]);
  });

  describe('escaping', () => {
    it('escapes commas, equals signs and spaces in tags, and commas and spaces in measurement names', () => {
      assert.equal(escapeKey('Rex, the dog=good'), 'Rex\\,\\ the\\ dog\\=good');
      assert.equal(escapeMeasurement('my rssi,2=x'), 'my\\ rssi\\,2=x');
      assert.equal(escapeKey('ac:23:3f:a3:80:4b'), 'ac:23:3f:a3:80:4b');
    });

    it('quotes strings, escaping quotes and backslashes; line breaks become spaces', () => {
      assert.equal(quoteString('say "hi" \\o/\nbye'), '"say \\"hi\\" \\\\o/ bye"');
    });

    it('keeps a backslash in a tag unless InfluxDB would read it as an escape', () => {
      assert.equal(escapeKey('a\\b'), 'a\\b');
      assert.equal(escapeKey('end\\'), 'end/');
      assert.equal(escapeKey('a\\,b'), 'a/\\,b');
    });

    it('leaves out empty tags and sorts the others by key', () => {
      const line = formatLine(
        'm',
        [
          ['z', 'last'],
          ['a', ''],
          ['b', 'first'],
        ],
        [['f', { kind: 'integer', value: 3 }]],
        9,
      );
      assert.equal(line, 'm,b=first,z=last f=3i 9');
    });

    it('escapes ids in a real message', () => {
      const odd = { ...position, dog: 'Rex the 2nd, jr.', method: 'a "b"' };
      assert.deepEqual(toLineProtocol(odd).lines, [
        'position,dog=Rex\\ the\\ 2nd\\,\\ jr. x=12.4,y=7.9,lat=52.09077,lon=5.12158,accuracy=1.8,vx=0.4,vy=-1.1,scanners=4i,method="a \\"b\\"" 1763800001000',
      ]);
    });
  });
});

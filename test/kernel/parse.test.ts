// The kernel's message parsers: good vectors from the contract, each bad field named, and hostile input
// (numeric ids, NaN, ts 1e300, huge strings and arrays, __proto__ keys) refused in short words.
import assert from 'node:assert/strict';
import {
  MAX_BATCH_ITEMS,
  parseAlert,
  parseBatch,
  parseHealth,
  parseMessage,
  parsePosition,
  parseRssi,
  parseStatus,
  summarize,
  type Parsed,
} from '../../nodes/kernel/parse';
// The contract's example messages, shared with the influx-write and fuzz tests.
import {
  activity,
  alert as ALERT,
  health as HEALTH,
  notification,
  position as POSITION,
  reading as RSSI,
} from '../influx-write/fixtures';

type Parser = (value: unknown, path?: string) => Parsed<unknown>;

function problems(parse: Parser, value: unknown): string[] {
  const result = parse(value);
  assert.equal(result.ok, false, `expected ${JSON.stringify(value)?.slice(0, 80)} to be refused`);
  return result.ok ? [] : result.problems;
}

describe('kernel message parsers', () => {
  it('accept the contract examples', () => {
    for (const [parse, good] of [
      [parseRssi, RSSI],
      [parsePosition, POSITION],
      [parseAlert, ALERT],
      [parseHealth, HEALTH],
    ] as const) {
      const result = (parse as Parser)(good);
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(result.value, good);
    }
    assert.deepEqual(parseStatus('dogtracker/v1/status/pi-1', Buffer.from(' Offline\n')), {
      ok: true,
      value: { node: 'pi-1', status: 'offline' },
    });
  });

  it('name each bad field of a reading, with its unit and a short excerpt', () => {
    assert.deepEqual(
      problems(parseRssi, { ...RSSI, rssi: 'loud', seq: 1.5, id: 42, frame: 'x', battery: 150 }),
      [
        'payload.rssi must be a finite number (dBm), not "loud"',
        'payload.seq must be an integer, not 1.5',
        'payload.id must be a non-empty string, not 42',
        'payload.frame must be one of ibeacon, eddystone-uid, eddystone-url, eddystone-tlm, eddystone-eid, altbeacon, minew-info, minew-accel, minew-ht, unknown, not "x"',
        'payload.battery must be between 0 and 100 (%), not 150',
      ],
    );
    assert.deepEqual(problems(parseRssi, { ...RSSI, id: Number.NaN }), [
      'payload.id must be a non-empty string, not NaN',
    ]);
    assert.deepEqual(problems(parseRssi, { ...RSSI, ts: 1e300 }), [
      'payload.ts must be a time between 1970 and 2100 (ms since the epoch), not 1e+300',
    ]);
    assert.deepEqual(
      problems(parseRssi, { ...RSSI, scanner: undefined, mac: null, rssiVar: -1, type: 'health' }),
      [
        'payload.type must be "rssi", not "health"',
        'payload.scanner is required (a non-empty string)',
        'payload.mac must be a non-empty string, not null',
        'payload.rssiVar must be at least 0 (dB²), not -1',
      ],
    );
    assert.deepEqual(problems(parseRssi, { ...RSSI, v: 2, ibeacon: 'x' }), [
      'payload.v must be 1 (the contract version), not 2',
      'payload.ibeacon must be an object, not "x"',
    ]);
  });

  it('name each bad field of a position, including the covariance', () => {
    const bad = (change: Record<string, unknown>): string[] =>
      problems(parsePosition, { ...POSITION, ...change });
    assert.deepEqual(bad({ type: undefined }), ['payload.type must be "position", not undefined']);
    assert.deepEqual(bad({ dog: 7, x: Infinity, accuracy: -1 }), [
      'payload.dog must be a non-empty string, not 7',
      'payload.x must be a finite number (m), not Infinity',
      'payload.accuracy must be between 0 and 1000000 (m, 1 sigma), not -1',
    ]);
    assert.deepEqual(bad({ lat: 91, scanners: 2.5, vx: 'fast' }), [
      'payload.lat must be between -90 and 90 (°), not 91',
      'payload.vx must be a finite number (m/s), not "fast"',
      'payload.scanners must be an integer, not 2.5',
    ]);
    const cov = (c: unknown): string[] => bad({ cov: c });
    assert.match(cov([[1, 0]])[0], /^payload\.cov must be a 2x2 covariance/);
    assert.deepEqual(
      cov([
        [1, 0],
        [0, Number.NaN],
      ]),
      ['payload.cov[1][1] must be a finite number (m²), not NaN'],
    );
    assert.deepEqual(
      cov([
        [-1, 0],
        [0, 1],
      ]),
      ['payload.cov must have a non-negative diagonal, not -1 and 1'],
    );
    assert.deepEqual(
      cov([
        [1, 0.5],
        [0, 1],
      ]),
      ['payload.cov must be symmetric, not 0.5 and 0 off the diagonal'],
    );
    assert.deepEqual(
      cov([
        [1, 2],
        [2, 1],
      ]),
      ['payload.cov must be positive semi-definite (a variance cannot be negative)'],
    );
  });

  it('name each bad field of an alert and of health, and fill in defaults', () => {
    assert.deepEqual(
      problems(parseAlert, { ...ALERT, event: 'explode', severity: 'dire', since: 1e300, zone: 3 }),
      [
        'payload.event must be one of enter, exit, dwell, missing, found, neighbor-lost, neighbor-back, link-poor, link-ok, gateway-lost, gateway-back, temp-high, temp-ok, undervoltage, undervoltage-ok, node-offline, node-silent, node-back, inactive, active, restless, accel-silent, accel-back, collar-silent, collar-back, battery-low, battery-ok, scanner-offline, scanner-online, not "explode"',
        'payload.severity must be one of info, warning, critical, not "dire"',
        'payload.zone must be a non-empty string, not 3',
        'payload.since must be a time between 1970 and 2100 (ms since the epoch), not 1e+300',
      ],
    );
    const noSeverity = parseAlert({ ...ALERT, severity: undefined });
    assert.equal(noSeverity.ok && noSeverity.value.severity, 'info');
    assert.deepEqual(
      problems(parseHealth, {
        ...HEALTH,
        cpu: 'busy',
        throttled: -1,
        wifi: { signalDbm: 'weak' },
        mesh: { iface: 'bat0', neighbors: [{ tq: 300 }, 'x'] },
      }),
      [
        'payload.cpu must be a finite number (%), not "busy"',
        'payload.throttled must be at least 0, not -1',
        'payload.wifi.iface is required (a non-empty string)',
        'payload.wifi.signalDbm must be a finite number (dBm), not "weak"',
        'payload.mesh.neighbors[0].mac is required (a non-empty string)',
        'payload.mesh.neighbors[0].tq must be between 0 and 255, not 300',
        'payload.mesh.neighbors[1] must be an object, not "x"',
      ],
    );
    const flood = problems(parseHealth, {
      ...HEALTH,
      mesh: { iface: 'bat0', neighbors: new Array(100_000).fill({}) },
    });
    assert.deepEqual(flood, ['payload.mesh.neighbors has 100000 entries; at most 1000']);
  });

  it('quote at most a short excerpt of a huge string', () => {
    const huge = 'x'.repeat(5_000_000);
    const [idProblem] = problems(parseRssi, { ...RSSI, id: huge });
    assert.equal(idProblem, 'payload.id must be at most 128 characters, not 5000000');
    const [typeProblem] = problems(parseRssi, { ...RSSI, type: huge });
    assert.ok(typeProblem.length < 200, typeProblem);
    const [statusProblem] = problems((v) => parseStatus('dogtracker/v1/status/pi', v), huge);
    assert.ok(statusProblem.length < 200, statusProblem);
    assert.equal(parseStatus(`dogtracker/v1/status/${huge}`, 'online').ok, false);
  });

  it('treat __proto__ keys as plain data: nothing is polluted', () => {
    const text =
      '{"v":1,"type":"rssi","scanner":"s","ts":1763800000000,"mac":"m","rssi":-70,"__proto__":{"polluted":1,"rssi":"x"}}';
    const batch = parseBatch(text, parseRssi);
    assert.equal(batch.values.length, 1);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(batch.values[0]), Object.prototype);
    const bad = parsePosition(JSON.parse('{"__proto__":{"type":"position","dog":"rex"}}'));
    assert.equal(bad.ok, false);
    assert.equal(({} as Record<string, unknown>).dog, undefined);
  });

  it('take a batch as an array, JSON text or bytes, and summarise a 100 000-item flood in a few words', () => {
    assert.equal(parseBatch(JSON.stringify([RSSI, RSSI]), parseRssi).values.length, 2);
    assert.equal(parseBatch(Buffer.from(JSON.stringify(RSSI)), parseRssi).values.length, 1);
    assert.deepEqual(parseBatch(new Uint8Array([123, 34]), parseRssi).problems, [
      'payload is text but not valid JSON: "{\\""',
    ]);
    // A batch under the cap lists its first bad items and counts the rest.
    const bad = parseBatch(new Array(2000).fill({ ...RSSI, rssi: 'x'.repeat(10_000) }), parseRssi);
    assert.equal(bad.refused, 2000);
    assert.equal(bad.problems.length, 10);
    const text = summarize(bad, 'readings');
    assert.ok(text.length < 1000, `${text.length} characters`);
    assert.match(
      text,
      /^2000 of 2000 readings refused: payload\[0\]\.rssi must be a finite number \(dBm\), not "x+"… \(10000 characters\); payload\[1\]/,
    );
    assert.match(text, /\(and 1997 more\)$/);
    // A flood over the cap is refused whole, before any item is read.
    const flood = parseBatch(new Array(100_000).fill({ ...RSSI, rssi: 'x'.repeat(10_000) }), parseRssi);
    assert.equal(flood.refused, 100_000);
    assert.equal(flood.values.length, 0);
    assert.deepEqual(flood.problems, [
      `payload is a batch of 100000 items; at most ${MAX_BATCH_ITEMS} per message: send smaller batches`,
    ]);
    assert.ok(summarize(flood, 'readings').length < 200);
    const mixed = parseBatch([RSSI, 42, RSSI], parseRssi);
    assert.deepEqual([mixed.values.length, mixed.refused, mixed.total, mixed.batch], [2, 1, 3, true]);
  });

  it('parse the activity and notification messages of the contract extensions, naming each bad field', () => {
    const a = parseMessage(activity);
    assert.equal(a.ok && a.value.type, 'activity');
    assert.deepEqual(
      problems(parseMessage, {
        ...activity,
        state: 'asleep',
        restS: 61,
        level: Number.POSITIVE_INFINITY,
        today: { ...activity.today, day: '22/11/2025' },
        baseline: { days: 0, activeMin: 1, restMin: 1, longestRestMin: 1 },
      }),
      [
        'payload.state must be one of rest, moving, running, not "asleep"',
        'payload.restS must be between 0 and 60 (s of the minute), not 61',
        'payload.level must be a finite number (g or m/s), not Infinity',
        'payload.today.day must be a date YYYY-MM-DD',
        'payload.baseline.days must be between 1 and 366, not 0',
        'payload.baseline.nightRestlessMin is required (a finite number (min))',
      ],
    );
    const n = parseMessage(notification);
    assert.equal(n.ok && n.value.type, 'notification');
    assert.deepEqual(
      problems(parseMessage, {
        ...notification,
        alert: '',
        severity: 'meh',
        status: 2.5,
        detail: 'x'.repeat(2000),
      }),
      [
        'payload.alert must be a non-empty string, not ""',
        'payload.severity must be one of info, warning, critical, not "meh"',
        'payload.status must be an integer (HTTP status), not 2.5',
        'payload.detail must be at most 1000 characters, not 2000',
      ],
    );
  });

  it('parse any message by its type, or only the types a node takes', () => {
    const any = parseMessage(HEALTH);
    assert.equal(any.ok && any.value.type, 'health');
    assert.deepEqual(
      problems((v) => parseMessage(v, 'payload', ['position', 'alert']), HEALTH),
      ['payload.type must be one of position, alert, not "health"'],
    );
    assert.deepEqual(problems(parseMessage, [1]), [
      'payload must be a contract message (an object of type rssi, position, alert, health, activity, notification), not an array of 1',
    ]);
  });
});

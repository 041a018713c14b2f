// The discovery core: configs checked against the schema written from Home Assistant's documentation,
// states that follow positions, zone states and alerts, removal on a site edit, republish on HA's birth.
// No Home Assistant server can be installed here; the schema in ha-schema.ts stands in for its validation.
import assert from 'node:assert/strict';
import { SiteView } from '../../nodes/kernel/site-view';
import {
  HomeAssistantDiscovery,
  ObserveError,
  trackerState,
  type MqttMessage,
} from '../../nodes/tracker-homeassistant/discovery';
import { discoveryProblems } from './ha-schema';
import { exitAlert, HEALTH, position, SITE, T0, zoneState } from './fixtures';

const view = (site: object = SITE): SiteView => SiteView.fromJson(JSON.stringify(site));
const byTopic = (out: MqttMessage[]): Map<string, string> => new Map(out.map((m) => [m.topic, m.payload]));
const configs = (out: MqttMessage[]): MqttMessage[] => out.filter((m) => m.topic.endsWith('/config'));

function started(): { ha: HomeAssistantDiscovery; out: MqttMessage[] } {
  const ha = new HomeAssistantDiscovery();
  return { ha, out: ha.setSite(view()) };
}

describe('tracker-homeassistant core', () => {
  it('announces each dog and scanner with retained configs that follow the documentation', () => {
    const { out } = started();
    assert.ok(out.every((m) => m.retain && m.qos === 1));
    const topics = configs(out)
      .map((m) => m.topic)
      .sort();
    assert.deepEqual(
      topics,
      [
        'homeassistant/binary_sensor/dogtracker/scanner_esp-kitchen_online/config',
        'homeassistant/binary_sensor/dogtracker/scanner_pi-yard-se_online/config',
        'homeassistant/binary_sensor/dogtracker/scanner_pi-yard-sw_online/config',
        'homeassistant/device_tracker/dogtracker/dog_bella_tracker/config',
        'homeassistant/device_tracker/dogtracker/dog_rex_tracker/config',
        ...['bella', 'rex'].flatMap((d) =>
          ['alert', 'battery', 'last_seen', 'speed'].map(
            (s) => `homeassistant/sensor/dogtracker/dog_${d}_${s}/config`,
          ),
        ),
      ].sort(),
    );
    for (const m of out) assert.deepEqual(discoveryProblems(m.topic, m.payload), []);
    const tracker = JSON.parse(
      byTopic(out).get('homeassistant/device_tracker/dogtracker/dog_rex_tracker/config')!,
    );
    assert.deepEqual(tracker, {
      name: null,
      unique_id: 'dogtracker_dog_rex_tracker',
      device: {
        identifiers: ['dogtracker_dog_rex'],
        name: 'Rex',
        manufacturer: 'node-red-contrib-dog-tracker',
        model: 'BLE collar',
        connections: [['bluetooth', 'ac:23:3f:a3:80:4b']],
      },
      origin: { name: 'node-red-contrib-dog-tracker' },
      availability: [{ topic: 'dogtracker/v1/status/hub' }],
      state_topic: 'dogtracker/v1/ha/dog/rex/state',
      json_attributes_topic: 'dogtracker/v1/ha/dog/rex/attributes',
      payload_home: 'home',
      payload_not_home: 'not_home',
      source_type: 'gps',
      icon: 'mdi:dog',
    });
    const online = JSON.parse(
      byTopic(out).get('homeassistant/binary_sensor/dogtracker/scanner_pi-yard-sw_online/config')!,
    );
    assert.equal(online.state_topic, 'dogtracker/v1/status/pi-yard-sw');
    assert.equal(online.device.name, 'Yard south-west');
    assert.equal(online.device_class, 'connectivity');
    const uniqueIds = configs(out).map((m) => JSON.parse(m.payload).unique_id);
    assert.equal(new Set(uniqueIds).size, uniqueIds.length, 'unique ids are unique');
  });

  it('the schema catches what Home Assistant would refuse', () => {
    const good = { unique_id: 'u', device: { identifiers: ['d'] }, origin: { name: 'o' }, state_topic: 's' };
    assert.deepEqual(discoveryProblems('homeassistant/sensor/n/o/config', JSON.stringify(good)), []);
    const bad: Array<[string, object]> = [
      ['homeassistant/sensor/n/o/config', { ...good, device_class: 'battery' }], // no unit
      ['homeassistant/sensor/n/o/config', { ...good, device_class: 'speed', unit_of_measurement: 'mps' }],
      ['homeassistant/sensor/n/o/config', { ...good, stat_topic: 'typo' }],
      ['homeassistant/sensor/n/o/config', { ...good, device: { name: 'no id' } }],
      ['homeassistant/device_tracker/n/o/config', { ...good, state_topic: undefined, source_type: 'gps' }],
      ['homeassistant/sensor/n/o.x/config', good],
    ];
    for (const [t, c] of bad)
      assert.notDeepEqual(discoveryProblems(t, JSON.stringify(c)), [], JSON.stringify(c));
  });

  it('states follow positions, zone states, alerts and readings', () => {
    const { ha } = started();
    const out = byTopic(
      ha.observe('dogtracker/v1/position/rex', JSON.stringify(position('rex', T0, 10, 15))),
    );
    const attributes = JSON.parse(out.get('dogtracker/v1/ha/dog/rex/attributes')!);
    const wgs = view().toWgs84(10, 15)!;
    assert.deepEqual(attributes, {
      x: 10,
      y: 15,
      accuracy: 1.8,
      latitude: Math.round(wgs.lat * 1e7) / 1e7,
      longitude: Math.round(wgs.lon * 1e7) / 1e7,
      gps_accuracy: 1.8,
      scanners: 3,
      method: 'tracker',
    });
    assert.equal(out.get('dogtracker/v1/ha/dog/rex/last_seen'), new Date(T0).toISOString());
    assert.equal(out.get('dogtracker/v1/ha/dog/rex/speed'), '0.5');

    const inYard = byTopic(
      ha.observe('dogtracker/v1/zone-state/rex', zoneState('rex', T0, 'inside', 'outside')),
    );
    assert.equal(inYard.get('dogtracker/v1/ha/dog/rex/state'), 'Yard');
    const inPool = byTopic(ha.observe('t', zoneState('rex', T0 + 1000, 'inside', 'inside')));
    assert.equal(
      inPool.get('dogtracker/v1/ha/dog/rex/state'),
      'Pool',
      'the forbidden zone is the more specific',
    );
    const out2 = byTopic(
      ha.observe('t', [zoneState('rex', T0 + 2000, 'outside', 'outside'), exitAlert('rex', T0 + 2000)]),
    );
    assert.equal(out2.get('dogtracker/v1/ha/dog/rex/state'), 'not_home');
    assert.equal(out2.get('dogtracker/v1/ha/dog/rex/alert'), 'exit Yard');
    assert.deepEqual(JSON.parse(out2.get('dogtracker/v1/ha/dog/rex/alert_attributes')!), {
      event: 'exit',
      time: new Date(T0 + 2000).toISOString(),
      zone: 'yard',
      zone_name: 'Yard',
      kind: 'safe',
      severity: 'critical',
    });
    assert.deepEqual(
      ha.observe('t', zoneState('rex', T0 + 3000, 'outside', 'outside')),
      [],
      'unchanged: nothing sent',
    );
    const missing = byTopic(
      ha.observe('t', { v: 1, type: 'alert', event: 'missing', dog: 'bella', severity: 'warning', ts: T0 }),
    );
    assert.equal(missing.get('dogtracker/v1/ha/dog/bella/state'), 'not_home');
    assert.equal(missing.get('dogtracker/v1/ha/dog/bella/alert'), 'missing');

    const battery = byTopic(
      ha.observe('dogtracker/v1/rssi/pi-yard-sw', [
        {
          v: 1,
          type: 'rssi',
          scanner: 'pi-yard-sw',
          ts: T0,
          mac: 'AC:23:3F:A3:80:4B',
          rssi: -70,
          battery: 93.6,
        },
      ]),
    );
    assert.equal(battery.get('dogtracker/v1/ha/dog/rex/battery'), '94', 'matched by beacon');
  });

  it('announces activity and health sensors once they are reported', () => {
    const { ha } = started();
    const act = ha.observe('t', position('rex', T0, 1, 1, { activity: 'running' }));
    assert.ok(act.some((m) => m.topic === 'homeassistant/sensor/dogtracker/dog_rex_activity/config'));
    assert.equal(byTopic(act).get('dogtracker/v1/ha/dog/rex/activity'), 'running');
    const health = configs(ha.observe('dogtracker/v1/health/pi-yard-sw', JSON.stringify(HEALTH)));
    assert.deepEqual(
      health.map((m) => m.topic.split('/')[3]).sort(),
      ['cpu', 'load', 'memory', 'originators', 'temperature', 'uptime', 'wifi']
        .map((k) => `scanner_pi-yard-sw_${k}`)
        .sort(),
    );
    for (const m of health) assert.deepEqual(discoveryProblems(m.topic, m.payload), []);
    const temp = JSON.parse(health.find((m) => m.topic.includes('_temperature'))!.payload);
    assert.equal(temp.value_template, '{{ value_json.tempC }}');
    assert.equal(temp.state_topic, 'dogtracker/v1/health/pi-yard-sw');
    assert.deepEqual(temp.availability, [{ topic: 'dogtracker/v1/status/pi-yard-sw' }]);
    assert.deepEqual(ha.observe('t', HEALTH), [], 'announced once');
    assert.deepEqual(ha.observe('t', { ...HEALTH, node: 'hub' }), [], 'the hub is no scanner of the site');
  });

  it('removes the entities and states of a dog or scanner that leaves the site', () => {
    const { ha } = started();
    ha.observe('t', position('bella', T0, 3, 3));
    const edited = {
      ...SITE,
      dogs: SITE.dogs.filter((d) => d.id !== 'bella'),
      scanners: SITE.scanners.slice(0, 2),
    };
    const out = ha.setSite(view(edited));
    const removed = out.filter((m) => m.payload === '').map((m) => m.topic);
    assert.ok(out.every((m) => m.retain));
    for (const t of [
      'homeassistant/device_tracker/dogtracker/dog_bella_tracker/config',
      'homeassistant/sensor/dogtracker/dog_bella_battery/config',
      'homeassistant/binary_sensor/dogtracker/scanner_esp-kitchen_online/config',
      'dogtracker/v1/ha/dog/bella/attributes',
      'dogtracker/v1/ha/dog/bella/state',
    ])
      assert.ok(removed.includes(t), t);
    assert.ok(!removed.some((t) => t.includes('rex')), 'rex stays');
    assert.equal(out.filter((m) => m.payload !== '').length, 0, 'nothing else changed');
  });

  it('republishes configs then states on homeassistant/status online', () => {
    const { ha, out: first } = started();
    ha.observe('t', position('rex', T0, 10, 15));
    assert.deepEqual(ha.observe('homeassistant/status', 'offline'), []);
    const again = ha.observe('homeassistant/status', Buffer.from('online'));
    const n = configs(first).length;
    assert.deepEqual(
      again.slice(0, n).map((m) => m.topic),
      configs(first).map((m) => m.topic),
    );
    assert.ok(again.slice(n).every((m) => m.topic.startsWith('dogtracker/v1/ha/dog/rex/')));
    assert.equal(again.length, n + 3);
    const hubBack = ha.observe('dogtracker/v1/status/hub', 'online');
    assert.deepEqual(
      hubBack,
      again,
      "the hub's own birth message (its broker connection is up) does the same",
    );
    assert.deepEqual(ha.observe('dogtracker/v1/status/pi-yard-sw', 'online'), [], 'a scanner: nothing');
    assert.deepEqual(ha.observe('dogtracker/v1/status/hub', 'offline'), []);
  });

  it('removes its own retained configs that the site no longer has (after a restart)', () => {
    const ha = new HomeAssistantDiscovery();
    const stale = 'homeassistant/sensor/dogtracker/dog_max_battery/config';
    assert.deepEqual(ha.observe(stale, '{"unique_id":"x"}'), [], 'before the site loads it waits');
    const out = ha.setSite(view());
    assert.deepEqual(out.at(-1), { topic: stale, payload: '', retain: true, qos: 1 });
    assert.deepEqual(
      ha.observe('homeassistant/sensor/dogtracker/dog_rex_battery/config', '{}'),
      [],
      'ours: kept',
    );
    assert.deepEqual(ha.observe('homeassistant/sensor/other/x/config', '{}').length, 0 /* not ours */);
    assert.deepEqual(ha.observe(stale, ''), [], 'its removal coming back');
    assert.equal(ha.observe(stale, '{}').length, 1);
  });

  it('keeps, across a restart, the activity and health sensors it announced before', () => {
    const ha = new HomeAssistantDiscovery();
    const health = 'homeassistant/sensor/dogtracker/scanner_pi-yard-sw_temperature/config';
    assert.deepEqual(ha.observe(health, '{"unique_id":"old"}'), []);
    const out = ha.setSite(view());
    assert.ok(
      out.some((m) => m.topic === health && m.payload.includes('value_json.tempC')),
      'announced again',
    );
    assert.ok(!out.some((m) => m.topic === health && m.payload === ''), 'not removed');
    const activity = 'homeassistant/sensor/dogtracker/dog_rex_activity/config';
    const again = ha.observe(activity, '{"unique_id":"old"}');
    assert.deepEqual(
      again.map((m) => [m.topic, m.payload === '']),
      [[activity, false]],
      'the same config again, not a removal',
    );
  });

  it('refuses hostile input with short errors and keeps the good part of a batch', () => {
    const { ha } = started();
    assert.throws(
      () => ha.observe('t', 'x'.repeat(100000)),
      (e: Error) => /not|JSON/.test(e.message) && e.message.length < 200,
    );
    assert.throws(
      () => ha.observe('t', { type: 'weird' }),
      /payload\.type must be position, zone-state, alert, health or rssi, got "weird"/,
    );
    try {
      ha.observe('t', [position('rex', T0, 1, 2), { type: 'position', dog: 'rex', ts: 'soon' }, 7]);
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof ObserveError);
      assert.match(
        err.message,
        /payload\[1\] \(dog "rex"\): ts, x, y and accuracy must be numbers; payload\[2\] must be a contract message object, got 7/,
      );
      assert.ok(err.messages.some((m) => m.topic === 'dogtracker/v1/ha/dog/rex/attributes'));
    }
    assert.deepEqual(ha.observe('t', position('ghost', T0, 1, 2)), [], 'a dog of no site is skipped');
    assert.throws(() => ha.observe('t', position('rex', T0, 1e307, 2)), /out of range/);
    assert.throws(() => ha.observe('t', position('rex', T0, 1, 2, { vx: 1e300 })), /out of range/);
    assert.throws(() => ha.observe('t', position('rex', 1e300, 1, 2)), /out of range/, 'no Invalid Date');
    assert.throws(() => ha.observe('t', { ...exitAlert('rex', T0), ts: 1e300 }), /event and ts/);
    assert.throws(
      () =>
        new HomeAssistantDiscovery({
          prefix: 'ha/#',
          nodeId: 'x',
          hub: '',
          stateRoot: 's',
          origin: { name: 'o' },
        }),
      /prefix/,
    );
  });

  it('memory is bounded: stale configs remembered before the site loads are capped', () => {
    const ha = new HomeAssistantDiscovery();
    for (let i = 0; i < 5000; i++) ha.observe(`homeassistant/sensor/dogtracker/x${i}/config`, '{}');
    assert.equal(ha.setSite(view()).filter((m) => m.payload === '').length, 2000);
  });

  it('the tracker state without safe zones is the zone, else not_home', () => {
    const v = view({ ...SITE, zones: [SITE.zones[1]] });
    assert.equal(trackerState(v, 'rex', false, new Map([['pool', 'inside']])), 'Pool');
    assert.equal(trackerState(v, 'rex', false, new Map([['pool', 'outside']])), 'not_home');
    assert.equal(
      trackerState(view(), 'rex', false, new Map([['yard', 'unknown']])),
      undefined,
      'not known yet',
    );
  });
});

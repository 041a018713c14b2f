// Two flows made of core Node-RED nodes only, shaped like the shipped ones: a Pi that publishes numbered
// readings and its online/offline status, and a hub that counts them (and the seq gaps), publishes a
// retained position per reading, writes each reading to InfluxDB and shows its state over HTTP.
// They prove the harness and the deployment mechanics (env vars, credentials, LWT, TLS, reconnects)
// independently of this package's nodes.

/** The broker config node both flows use: everything from environment variables, as in flows/*.json. */
function broker(id: string, z: string, statusTopic?: string): Record<string, unknown> {
  const status = statusTopic
    ? {
        birthTopic: statusTopic,
        birthQos: '1',
        birthRetain: 'true',
        birthPayload: 'online',
        closeTopic: statusTopic,
        closeQos: '1',
        closeRetain: 'true',
        closePayload: 'offline',
        willTopic: statusTopic,
        willQos: '1',
        willRetain: 'true',
        willPayload: 'offline',
      }
    : {};
  return {
    id,
    type: 'mqtt-broker',
    z,
    name: 'dog tracker broker',
    broker: '${MQTT_URL}',
    port: '',
    clientid: '',
    autoConnect: true,
    usetls: false,
    protocolVersion: '4',
    keepalive: '15',
    cleansession: true,
    verifyservercert: true,
    ...status,
    credentials: { user: '${MQTT_USER}', password: '${MQTT_PASSWORD}' },
  };
}

/** A scanner Pi stand-in: SCANNER_ID names it; a reading every `everyS` seconds with seq +1. */
export function piStandIn(everyS = 0.2): object[] {
  return [
    {
      id: 'pi-tab',
      type: 'tab',
      label: 'Pi stand-in',
      env: [
        { name: 'DT_STATUS_TOPIC', type: 'env', value: 'dogtracker/v1/status/${SCANNER_ID}' },
        { name: 'DT_RSSI_TOPIC', type: 'env', value: 'dogtracker/v1/rssi/${SCANNER_ID}' },
      ],
    },
    broker('pi-broker', 'pi-tab', '${DT_STATUS_TOPIC}'),
    {
      id: 'pi-tick',
      type: 'inject',
      z: 'pi-tab',
      name: 'tick',
      props: [],
      repeat: String(everyS),
      once: true,
      onceDelay: '0.1',
      wires: [['pi-reading']],
    },
    {
      id: 'pi-reading',
      type: 'function',
      z: 'pi-tab',
      name: 'numbered reading',
      func: [
        "const seq = (context.get('seq', 'memory') ?? 0) + 1;",
        "context.set('seq', seq, 'memory');",
        "msg.topic = env.get('DT_RSSI_TOPIC');",
        "msg.payload = { v: 1, type: 'rssi', scanner: env.get('SCANNER_ID'), seq, ts: Date.now(), mac: 'ac:23:3f:a3:80:4b', rssi: -70 };",
        'return msg;',
      ].join('\n'),
      outputs: 1,
      wires: [['pi-out']],
    },
    {
      id: 'pi-out',
      type: 'mqtt out',
      z: 'pi-tab',
      name: 'readings',
      topic: '',
      qos: '0',
      retain: 'false',
      broker: 'pi-broker',
      wires: [],
    },
  ];
}

/** A hub stand-in: counts readings and seq gaps per scanner, GET /e2e/state returns them. */
export function hubStandIn(): object[] {
  return [
    { id: 'hub-tab', type: 'tab', label: 'hub stand-in' },
    broker('hub-broker', 'hub-tab'),
    {
      id: 'hub-rssi',
      type: 'mqtt in',
      z: 'hub-tab',
      name: 'readings',
      topic: 'dogtracker/v1/rssi/+',
      qos: '1',
      datatype: 'json',
      broker: 'hub-broker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [['hub-count']],
    },
    {
      id: 'hub-count',
      type: 'function',
      z: 'hub-tab',
      name: 'count and gaps',
      func: [
        "const s = global.get('e2e', 'memory') ?? { readings: 0, gaps: 0, last: {}, statuses: {} };",
        'const r = msg.payload;',
        'const prev = s.last[r.scanner];',
        'if (prev !== undefined && r.seq > prev + 1) s.gaps += r.seq - prev - 1;',
        's.last[r.scanner] = r.seq;',
        's.readings += 1;',
        "global.set('e2e', s, 'memory');",
        "const position = { topic: 'dogtracker/v1/position/test', retain: true, payload: { v: 1, type: 'position', dog: 'test', ts: r.ts, x: s.readings, y: 0 } };",
        'const line = { payload: `e2e,scanner=${r.scanner} seq=${r.seq}i ${r.ts}` };',
        'return [position, line];',
      ].join('\n'),
      outputs: 2,
      wires: [['hub-position'], ['hub-influx']],
    },
    {
      id: 'hub-position',
      type: 'mqtt out',
      z: 'hub-tab',
      name: 'positions',
      topic: '',
      qos: '0',
      retain: '',
      broker: 'hub-broker',
      wires: [],
    },
    {
      id: 'hub-influx',
      type: 'http request',
      z: 'hub-tab',
      name: 'InfluxDB write',
      method: 'POST',
      ret: 'txt',
      url: '${INFLUX_WRITE_URL}',
      wires: [],
    },
    {
      id: 'hub-status',
      type: 'mqtt in',
      z: 'hub-tab',
      name: 'statuses',
      topic: 'dogtracker/v1/status/+',
      qos: '1',
      datatype: 'utf8',
      broker: 'hub-broker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [['hub-status-keep']],
    },
    {
      id: 'hub-status-keep',
      type: 'function',
      z: 'hub-tab',
      name: 'keep status',
      func: [
        "const s = global.get('e2e', 'memory') ?? { readings: 0, gaps: 0, last: {}, statuses: {} };",
        "s.statuses[msg.topic.split('/').pop()] = msg.payload;",
        "global.set('e2e', s, 'memory');",
        'return null;',
      ].join('\n'),
      outputs: 1,
      wires: [],
    },
    {
      id: 'hub-http',
      type: 'http in',
      z: 'hub-tab',
      name: 'state',
      url: '/e2e/state',
      method: 'get',
      wires: [['hub-state']],
    },
    {
      id: 'hub-state',
      type: 'function',
      z: 'hub-tab',
      name: 'state',
      func: "msg.payload = global.get('e2e', 'memory') ?? { readings: 0, gaps: 0, last: {}, statuses: {} };\nreturn msg;",
      outputs: 1,
      wires: [['hub-response']],
    },
    {
      id: 'hub-response',
      type: 'http response',
      z: 'hub-tab',
      name: 'reply',
      statusCode: '',
      headers: {},
      wires: [],
    },
  ];
}

export interface HubState {
  readings: number;
  gaps: number;
  last: Record<string, number>;
  statuses: Record<string, string>;
}

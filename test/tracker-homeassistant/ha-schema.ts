// JSON schemas of Home Assistant MQTT discovery configs, written from Home Assistant's documentation
// (home-assistant.io: integrations/mqtt "MQTT Discovery" for the topic, `device`, `origin` and
// `availability`; integrations/device_tracker.mqtt, sensor.mqtt and binary_sensor.mqtt for each
// component's options; developers.home-assistant.io "Sensor entity" for the units each device class
// accepts). Only documented options are allowed (`additionalProperties: false`), so a misspelt or invented
// field fails. No Home Assistant can be installed here: these schemas stand in for its validation.
import Ajv, { type ValidateFunction } from 'ajv';

export const DISCOVERY_TOPIC =
  /^homeassistant\/(device_tracker|sensor|binary_sensor)\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+\/config$/;

const device = {
  type: 'object',
  additionalProperties: false,
  properties: {
    configuration_url: { type: 'string' },
    connections: {
      type: 'array',
      items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 },
    },
    hw_version: { type: 'string' },
    identifiers: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
    manufacturer: { type: 'string' },
    model: { type: 'string' },
    model_id: { type: 'string' },
    name: { type: 'string' },
    serial_number: { type: 'string' },
    suggested_area: { type: 'string' },
    sw_version: { type: 'string' },
    via_device: { type: 'string' },
  },
  // "At least one of identifiers or connections must be present to identify the device."
  anyOf: [{ required: ['identifiers'] }, { required: ['connections'] }],
};

const origin = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string' }, sw_version: { type: 'string' }, support_url: { type: 'string' } },
};

const topic = { type: 'string', minLength: 1, pattern: '^[^+#]+$' };

const availability = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['topic'],
    properties: {
      topic,
      payload_available: { type: 'string' },
      payload_not_available: { type: 'string' },
      value_template: { type: 'string' },
    },
  },
};

/** Options every MQTT entity documents. */
const common = {
  availability,
  availability_mode: { enum: ['all', 'any', 'latest'] },
  availability_template: { type: 'string' },
  availability_topic: topic,
  device,
  enabled_by_default: { type: 'boolean' },
  encoding: { type: 'string' },
  entity_category: { enum: ['config', 'diagnostic'] },
  icon: { type: 'string', pattern: '^mdi:[a-z0-9-]+$' },
  json_attributes_template: { type: 'string' },
  json_attributes_topic: topic,
  name: { type: ['string', 'null'] },
  origin,
  payload_available: { type: 'string' },
  payload_not_available: { type: 'string' },
  qos: { enum: [0, 1, 2] },
  unique_id: { type: 'string', minLength: 1 },
  value_template: { type: 'string' },
};

const UNITS: Record<string, Array<string | null>> = {
  battery: ['%'],
  duration: ['d', 'h', 'min', 's', 'ms'],
  signal_strength: ['dB', 'dBm'],
  speed: ['ft/s', 'in/d', 'in/h', 'in/s', 'km/h', 'kn', 'm/s', 'mph', 'mm/d', 'mm/s'],
  temperature: ['°C', '°F', 'K'],
  timestamp: [null],
};

const deviceTracker = {
  type: 'object',
  additionalProperties: false,
  required: ['unique_id', 'device', 'origin'],
  properties: {
    ...common,
    payload_home: { type: 'string' },
    payload_not_home: { type: 'string' },
    payload_reset: { type: 'string' },
    source_type: { enum: ['gps', 'router', 'bluetooth', 'bluetooth_le'] },
    state_topic: topic,
  },
  // "Can only be omitted if only json_attributes_topic is used."
  anyOf: [{ required: ['state_topic'] }, { required: ['json_attributes_topic'] }],
};

const sensor = {
  type: 'object',
  additionalProperties: false,
  required: ['unique_id', 'device', 'origin', 'state_topic'],
  properties: {
    ...common,
    device_class: { enum: Object.keys(UNITS) },
    expire_after: { type: 'integer', minimum: 0 },
    force_update: { type: 'boolean' },
    last_reset_value_template: { type: 'string' },
    state_class: { enum: ['measurement', 'measurement_angle', 'total', 'total_increasing'] },
    state_topic: topic,
    suggested_display_precision: { type: 'integer', minimum: 0 },
    unit_of_measurement: { type: 'string' },
  },
  allOf: Object.entries(UNITS).map(([cls, units]) => ({
    if: { properties: { device_class: { const: cls } }, required: ['device_class'] },
    then: units.includes(null)
      ? { not: { anyOf: [{ required: ['unit_of_measurement'] }, { required: ['state_class'] }] } }
      : { required: ['unit_of_measurement'], properties: { unit_of_measurement: { enum: units } } },
  })),
};

const binarySensor = {
  type: 'object',
  additionalProperties: false,
  required: ['unique_id', 'device', 'origin', 'state_topic'],
  properties: {
    ...common,
    device_class: { enum: ['connectivity', 'problem', 'running', 'presence'] },
    expire_after: { type: 'integer', minimum: 0 },
    force_update: { type: 'boolean' },
    off_delay: { type: 'integer', minimum: 0 },
    payload_off: { type: 'string' },
    payload_on: { type: 'string' },
    state_topic: topic,
  },
};

const ajv = new Ajv({ allErrors: true });
export const validators: Record<string, ValidateFunction> = {
  device_tracker: ajv.compile(deviceTracker),
  sensor: ajv.compile(sensor),
  binary_sensor: ajv.compile(binarySensor),
};

/** Problems of one discovery message (topic and JSON payload), or [] when Home Assistant would take it. */
export function discoveryProblems(topicText: string, payload: string): string[] {
  const match = DISCOVERY_TOPIC.exec(topicText);
  if (!match) return [`topic ${topicText} is not <prefix>/<component>/<node_id>/<object_id>/config`];
  const validate = validators[match[1]];
  let config: unknown;
  try {
    config = JSON.parse(payload);
  } catch {
    return [`${topicText}: payload is not JSON`];
  }
  if (validate(config)) return [];
  return (validate.errors ?? []).map(
    (e) => `${topicText}: ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );
}

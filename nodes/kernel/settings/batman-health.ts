// batman-health's editor fields and the ranges its runtime accepts.
import type { SettingsTable } from './fields';

export const BATMAN_HEALTH_SETTINGS = {
  name: { type: 'string', default: '' },
  mode: { type: 'enum', values: ['scanner', 'monitor'], default: 'scanner' },
  nodeId: { type: 'string', default: '', help: 'blank: the host name' },
  intervalS: { type: 'number', min: 1, default: 30, unit: 's' },
  batctl: { type: 'string', default: 'batctl' },
  meshIface: { type: 'string', default: 'bat0' },
  wifiIface: { type: 'string', default: '' },
  timeoutS: { type: 'number', min: 0.1, default: 5, unit: 's' },
  tqMin: { type: 'number', min: 0, max: 255, default: 100 },
  throughputMinKbps: { type: 'number', min: 0, default: 1000, unit: 'kbit/s' },
  tempHighC: { type: 'number', min: -40, max: 150, default: 75, unit: '°C' },
  silentAfterS: { type: 'number', min: 0.05, default: 90, unit: 's' },
  hubAlerts: { type: 'boolean', default: false },
} as const satisfies SettingsTable;

// The tracker-influx configuration, checked: which server, how to reach it, and the first thing wrong.
import { readSettings } from '../kernel/settings';
import { TRACKER_INFLUX_SETTINGS } from '../kernel/settings/tracker-influx';
import { influxV1Sink, influxV2Sink } from './clients';
import type { InfluxSink } from './sink';
import type { HistoryQueryConnection, V1QueryConnection } from './tracker-influx-node';

export interface InfluxSettings {
  /**
   * `1` for InfluxDB 1.x (/write), `2` for InfluxDB 2.x and 3.x (/api/v2/write), `3` for InfluxDB 3 Core or
   * Enterprise (writes as `2`; the history reads SQL, as `2` does with no org).
   */
  version?: string;
  url?: string;
  database?: string;
  retentionPolicy?: string;
  org?: string;
  bucket?: string;
  timeoutS?: string | number;
}

export interface InfluxSecrets {
  username?: string;
  password?: string;
  token?: string;
}

export const DEFAULT_TIMEOUT_S = 10;

/** A sink for the settings, or the reason there is none. */
export function connect(
  settings: InfluxSettings,
  secrets: InfluxSecrets,
):
  | {
      sink: InfluxSink;
      problem?: undefined;
      v1Query?: V1QueryConnection;
      historyQuery: HistoryQueryConnection;
    }
  | { sink?: undefined; problem: string; v1Query?: undefined; historyQuery?: undefined } {
  const url = (settings.url ?? '').trim();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: `the InfluxDB URL "${url}" is not a URL (e.g. http://127.0.0.1:8086)` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { problem: `the InfluxDB URL must start with http:// or https:// (it is "${url}")` };
  }
  const read = readSettings({ timeoutS: TRACKER_INFLUX_SETTINGS.timeoutS }, settings);
  if (!read.ok) return { problem: `invalid settings: ${read.problems.join('; ')}` };
  const timeoutMs = read.values.timeoutS * 1000;
  if ((settings.version ?? '1') === '1') {
    const database = (settings.database ?? '').trim();
    if (!database) return { problem: 'no database set for InfluxDB 1.x' };
    const username = secrets.username || undefined;
    const password = secrets.password || undefined;
    return {
      sink: influxV1Sink({
        url,
        database,
        retentionPolicy: settings.retentionPolicy?.trim() || undefined,
        username,
        password,
        timeoutMs,
      }),
      v1Query: { url, database, username, password, timeoutMs },
      historyQuery: { language: 'influxql', url, database, username, password, timeoutMs },
    };
  }
  const bucket = (settings.bucket ?? '').trim();
  if (!bucket) return { problem: 'no bucket set for InfluxDB 2.x / 3.x' };
  const org = (settings.org ?? '').trim();
  const token = secrets.token || undefined;
  // 2.x needs its org to query; 3.x has none (the editor says "empty for InfluxDB 3") and reads SQL.
  const historyQuery: HistoryQueryConnection =
    settings.version === '3' || !org
      ? { language: 'sql', url, database: bucket, token, timeoutMs }
      : { language: 'flux', url, org, bucket, token, timeoutMs };
  return {
    sink: influxV2Sink({ url, org, bucket, token: secrets.token, timeoutMs }),
    historyQuery,
  };
}

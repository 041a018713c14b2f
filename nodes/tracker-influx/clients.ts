// The two ways to reach InfluxDB: the 1.x HTTP API (/write with database, retention policy and basic
// auth), spoken directly with Node's fetch, and the 2.x/3.x API (/api/v2/write with org, bucket and
// token) through @influxdata/influxdb-client. Both turn every answer into a WriteOutcome.
import type * as InfluxClient from '@influxdata/influxdb-client';
import { errorMessage } from '../kernel/checks';
import { errorTextOf, outcomeOf, type InfluxSink, type WriteOutcome } from './sink';

export interface V1Connection {
  url: string;
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

export interface V2Connection {
  url: string;
  org: string;
  bucket: string;
  token?: string;
  timeoutMs: number;
}

/** The network failure behind fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND, ...), or the error's own message. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  return errorMessage(err);
}

function baseUrl(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

export function influxV1Sink(connection: V1Connection): InfluxSink {
  const target = new URL('write', baseUrl(connection.url));
  target.searchParams.set('db', connection.database);
  if (connection.retentionPolicy) target.searchParams.set('rp', connection.retentionPolicy);
  target.searchParams.set('precision', 'ms');
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  // Basic auth in a header rather than u/p in the query, so the password never shows in a URL or log.
  if (connection.username) {
    const pair = `${connection.username}:${connection.password ?? ''}`;
    headers.authorization = 'Basic ' + Buffer.from(pair, 'utf8').toString('base64');
  }
  const href = target.href;
  return {
    description: `InfluxDB 1.x ${connection.url} db ${connection.database}`,
    async write(lines, signal): Promise<WriteOutcome> {
      const timeout = AbortSignal.timeout(connection.timeoutMs);
      try {
        const res = await fetch(href, {
          method: 'POST',
          headers,
          body: lines.join('\n'),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        const body = await res.text();
        return outcomeOf(res.status, res.ok ? '' : errorTextOf(body), res.headers.get('retry-after'));
      } catch (err) {
        return { kind: 'unavailable', reason: networkReason(err) };
      }
    },
  };
}

export function influxV2Sink(connection: V2Connection): InfluxSink {
  // Required only here: a 1.x connection, and a process with no InfluxDB at all (a Pi), never load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HttpError, InfluxDB } = require('@influxdata/influxdb-client') as typeof InfluxClient;
  const client = new InfluxDB({
    url: connection.url,
    token: connection.token || undefined,
    timeout: connection.timeoutMs,
  });
  return {
    description: `InfluxDB ${connection.url} bucket ${connection.bucket}`,
    async write(lines): Promise<WriteOutcome> {
      // One WriteApi per batch, sized to hold it all, with the client's own retries and timers off:
      // the writer retries, keeps the queue on disk, and wants each request's outcome.
      const api = client.getWriteApi(connection.org, connection.bucket, 'ms', {
        batchSize: lines.length + 1,
        maxBatchBytes: Number.POSITIVE_INFINITY,
        flushInterval: 0,
        maxRetries: 0,
        maxBufferLines: 0,
        // Returning a promise makes it the flush's result, and keeps the client from logging.
        writeFailed: (error: Error) => Promise.reject(error),
      });
      try {
        api.writeRecords(lines as string[]);
        await api.flush();
        return { kind: 'written' };
      } catch (err) {
        if (err instanceof HttpError) {
          const retryAfter = err.headers?.['retry-after'];
          return outcomeOf(
            err.statusCode,
            errorTextOf(err.body ?? err.message),
            typeof retryAfter === 'string' ? retryAfter : undefined,
          );
        }
        return { kind: 'unavailable', reason: networkReason(err) };
      } finally {
        api.dispose();
      }
    },
  };
}

// MQTT clients for tests: log in as someone, keep every message that arrives, wait for the one wanted.
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
  /** When it arrived, for failure messages. */
  at: number;
}

/** A logged-in client that records every message it receives. */
export interface Probe {
  readonly client: MqttClient;
  readonly received: Received[];
  /** Resolves with the first message (already received or still to come) that `match` accepts. */
  next(match: (m: Received) => boolean, timeoutMs?: number, what?: string): Promise<Received>;
  /** Subscribes and returns the granted QoS per filter (128 and up: refused). */
  subscribe(filters: string | string[], qos?: 0 | 1): Promise<number[]>;
  end(): Promise<void>;
}

export interface LoginOptions extends IClientOptions {
  /** Certificate authority to verify a TLS or WSS broker with. */
  ca?: Buffer;
}

/** Connects with MQTT 5 (so refused publishes come back with a reason code) and no automatic reconnect. */
export async function login(
  url: string,
  username: string,
  password: string,
  options: LoginOptions = {},
): Promise<Probe> {
  const client = await connectAsync(url, {
    // An empty user name logs in anonymously.
    ...(username ? { username, password } : {}),
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  return probe(client);
}

export function probe(client: MqttClient): Probe {
  const received: Received[] = [];
  const waiters = new Set<(m: Received) => void>();
  client.on('message', (topic, payload, packet) => {
    const message = { topic, text: payload.toString(), retain: packet.retain, at: Date.now() };
    received.push(message);
    for (const waiter of [...waiters]) waiter(message);
  });
  return {
    client,
    received,
    next(match, timeoutMs = 10000, what = 'matching message') {
      const already = received.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = received.map((m) => `${m.topic} ${m.text.slice(0, 80)}`).join('\n  ');
          reject(new Error(`no ${what} in ${timeoutMs} ms; received:\n  ${seen || '(nothing)'}`));
        }, timeoutMs);
        const waiter = (m: Received): void => {
          if (!match(m)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        waiters.add(waiter);
      });
    },
    async subscribe(filters, qos = 1) {
      const granted = await client.subscribeAsync(filters, { qos });
      return granted.map((g) => g.qos);
    },
    async end() {
      await client.endAsync(true);
    },
  };
}

/** The reason an MQTT operation was refused (the CONNACK or PUBACK reason code), or undefined if it was not. */
export async function refusal(operation: Promise<unknown>): Promise<number | undefined> {
  try {
    await operation;
    return undefined;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

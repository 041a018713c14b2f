// Which scanner sent a reading, from the MQTT topic it came on. The broker's ACL lets a Pi publish only
// on dogtracker/v1/rssi/{its id}, so the topic is the identity the hub can trust; the payload's
// `scanner` is what the Pi says. A reading whose payload names another scanner than its topic is
// dropped. Without such a topic (beacon-scan wired straight in) the payload is all there is. Pure.
import type { RssiReading } from './contract';

const RSSI_TOPIC = /^dogtracker\/v1\/rssi\/([^/]+)$/;

/** The `{scanner}` of a `dogtracker/v1/rssi/{scanner}` topic, else undefined. */
export function scannerOfTopic(topic: unknown): string | undefined {
  if (typeof topic !== 'string') return undefined;
  return RSSI_TOPIC.exec(topic)?.[1];
}

export interface TopicCheck {
  /** Readings whose scanner matches the topic (all of them when the topic names no scanner). */
  kept: RssiReading[];
  /** Readings that name another scanner. */
  mismatched: RssiReading[];
  /** The topic's scanner, when the topic is an rssi topic. */
  topicScanner: string | undefined;
}

/** Splits readings by whether they agree with the topic they arrived on. */
export function checkTopicScanner(readings: RssiReading[], topic: unknown): TopicCheck {
  const topicScanner = scannerOfTopic(topic);
  if (topicScanner === undefined) return { kept: readings, mismatched: [], topicScanner };
  const kept: RssiReading[] = [];
  const mismatched: RssiReading[] = [];
  for (const r of readings) (r.scanner === topicScanner ? kept : mismatched).push(r);
  return { kept, mismatched, topicScanner };
}

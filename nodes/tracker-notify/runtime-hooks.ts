// What tests may replace in nodes created after the call: the wall clock (escalation, back-off, session
// expiry) and the HTTPS agent of the push sender (a local push service with its own certificate).
import type { Agent } from 'https';
import { systemClock, type Clock } from './push-queue';

let clock: Clock = systemClock;
let agent: Agent | undefined;

export function notifyClock(): Clock {
  return clock;
}

export function pushAgent(): Agent | undefined {
  return agent;
}

/** Returns the function that puts back the previous clock. */
export function useNotifyClock(next: Clock): () => void {
  const previous = clock;
  clock = next;
  return () => {
    clock = previous;
  };
}

export function usePushAgent(next: Agent | undefined): () => void {
  const previous = agent;
  agent = next;
  return () => {
    agent = previous;
  };
}

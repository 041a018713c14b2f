// The commands of the contract's `cmd` topic that beacon-scan obeys.
import { excerpt, isObject, payloadText } from '../kernel/checks';

export type ScanCommand = 'start' | 'stop' | 'rescan';

export const COMMANDS: readonly ScanCommand[] = ['start', 'stop', 'rescan'];

/** `{"cmd":"start"}` (an object or its JSON text, as an MQTT in node may deliver it), or why not. */
export function parseCommand(
  payload: unknown,
): { ok: true; cmd: ScanCommand } | { ok: false; problem: string } {
  let value = payload;
  const raw = payloadText(payload);
  if (raw !== undefined) {
    const text = raw.trim();
    try {
      value = JSON.parse(text);
    } catch {
      value = { cmd: text };
    }
  }
  if (!isObject(value) || typeof value.cmd !== 'string') {
    return {
      ok: false,
      problem: 'expected a command like {"cmd":"start"} in msg.payload (start, stop or rescan)',
    };
  }
  const cmd = value.cmd.trim().toLowerCase();
  if ((COMMANDS as readonly string[]).includes(cmd)) return { ok: true, cmd: cmd as ScanCommand };
  return { ok: false, problem: `unknown command ${excerpt(value.cmd)}: use start, stop or rescan` };
}

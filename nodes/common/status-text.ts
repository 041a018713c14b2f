// A node's status texts from its message catalogue (locales/<lang>/<node>.json, `<node>.status.<key>`),
// through RED._ as Node-RED's own nodes do, so a translation changes what the editor shows under a node.
// Variables are Node-RED's `__name__`. Where the runtime has no catalogue for the node (RED._ gives the key
// back, as node-red-node-test-helper's does), the en-US text is read from the node's own file instead,
// so a status never shows a bare key.
import { readFileSync } from 'fs';
import * as path from 'path';

export type StatusVars = Record<string, string | number>;
export type StatusText = (key: string, vars?: StatusVars) => string;

interface I18n {
  _(key: string, vars?: Record<string, unknown>): string;
}

const fallbacks = new Map<string, Record<string, string>>();

/** The en-US `status` texts of a node, from locales/en-US/<node>.json beside its compiled adapter. */
function englishTexts(node: string): Record<string, string> {
  let texts = fallbacks.get(node);
  if (texts) return texts;
  texts = {};
  try {
    const file = path.join(__dirname, '..', node, 'locales', 'en-US', `${node}.json`);
    const catalogue = JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      { status?: Record<string, string> } | undefined
    >;
    texts = catalogue[node]?.status ?? {};
  } catch {
    // No catalogue file: the key itself is shown (as RED._ would).
  }
  fallbacks.set(node, texts);
  return texts;
}

function interpolate(text: string, vars: StatusVars | undefined): string {
  if (!vars) return text;
  return text.replace(/__(\w+)__/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole,
  );
}

/** `t('pairs', { count: 3 })` is RED._('rssi-filter.status.pairs', { count: 3 }), or the en-US text. */
export function statusTexts(RED: I18n, node: string): StatusText {
  // Nodes ask on every message, and RED._ costs about as much as the message's own work (i18next builds
  // its plural rules per call): the last text of each key (a node has a few) is given again for the same vars.
  const last = new Map<string, { vars: StatusVars; count: number; text: string }>();
  return (key, vars) => {
    const memo = last.get(key);
    if (memo && sameVars(memo.vars, memo.count, vars)) return memo.text;
    const text = translate(RED, node, key, vars);
    const copy = { ...vars };
    last.set(key, { vars: copy, count: Object.keys(copy).length, text });
    return text;
  };
}

function sameVars(memo: StatusVars, count: number, vars: StatusVars | undefined): boolean {
  if (vars === undefined) return count === 0;
  let n = 0;
  for (const name in vars) {
    if (memo[name] !== vars[name]) return false;
    n++;
  }
  return n === count;
}

function translate(RED: I18n, node: string, key: string, vars: StatusVars | undefined): string {
  const full = `${node}.status.${key}`;
  let text: string | undefined;
  try {
    text = RED._(full, vars);
  } catch {
    text = undefined;
  }
  if (typeof text === 'string' && text !== full && text.length > 0) return text;
  const english = englishTexts(node)[key];
  return english === undefined ? full : interpolate(english, vars);
}

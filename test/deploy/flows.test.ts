// Static checks of the shipped flows and examples: what Node-RED would load silently but wrongly (a
// duplicate id replaces a node, a wire to nowhere drops messages) and what a deployment depends on (every
// `${VAR}` documented, credentials only placeholders).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'fs';
import * as path from 'path';
import { root } from './shipped-broker';

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  wires?: string[][];
  env?: Array<{ name: string; type: string; value: string }>;
  credentials?: Record<string, string>;
  [key: string]: unknown;
}

const CONFIG_REFS: Record<string, string[]> = {
  'beacon-scan': ['site'],
  trilaterate: ['site'],
  'geofence-alert': ['site'],
  'tracker-map': ['site'],
  'influx-write': ['server'],
  'mqtt in': ['broker'],
  'mqtt out': ['broker'],
};

const files = [
  ...readdirSync(path.join(root, 'flows')).map((f) => `flows/${f}`),
  ...readdirSync(path.join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `examples/${f}`),
].filter((f) => f.endsWith('.json'));
const load = (file: string): FlowNode[] =>
  JSON.parse(readFileSync(path.join(root, file), 'utf8')) as FlowNode[];
const packageTypes = Object.keys(
  (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: object } })[
    'node-red'
  ].nodes,
);

/** Every `${NAME}` in the string properties of a node (credentials included). */
function envRefs(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) out.add(m[1]);
  } else if (Array.isArray(value)) {
    value.forEach((v) => envRefs(v, out));
  } else if (value && typeof value === 'object') {
    Object.values(value).forEach((v) => envRefs(v, out));
  }
  return out;
}

describe('deploy: shipped flows and examples', () => {
  it('finds the deployment flows and the demo', () => {
    for (const f of [
      'flows/scanner-pi.json',
      'flows/hub.json',
      'examples/demo.json',
      'examples/replay.json',
    ]) {
      assert.ok(files.includes(f), f);
    }
  });

  for (const file of files) {
    describe(file, () => {
      const nodes = load(file);
      const ids = new Map(nodes.map((n) => [n.id, n]));

      it('has unique ids, wires and tabs that exist, and config nodes that exist', () => {
        assert.equal(ids.size, nodes.length, 'duplicate ids: Node-RED keeps only the last node of an id');
        for (const n of nodes) {
          if (n.z !== undefined)
            assert.equal(ids.get(n.z)?.type, 'tab', `${n.id}: z ${n.z} is not a tab here`);
          for (const target of (n.wires ?? []).flat())
            assert.ok(ids.has(target), `${n.id} wires to missing ${target}`);
          for (const prop of CONFIG_REFS[n.type] ?? []) {
            const ref = n[prop];
            if (ref) assert.ok(ids.has(ref as string), `${n.id}.${prop} names missing ${String(ref)}`);
          }
        }
      });

      it("uses only core nodes and this package's, and no name equals an id", () => {
        for (const n of nodes) {
          // `e-mail` (node-red-node-email) is the one outside node an example asks the user to install.
          if (
            n.type.includes('-') &&
            n.type !== 'e-mail' &&
            !/^(mqtt|http|tls|global|link)[ -]/.test(n.type)
          ) {
            assert.ok(packageTypes.includes(n.type), `${n.id}: unknown type ${n.type}`);
          }
          // The test helper (and Node-RED's config dependency check) takes such a name for a reference.
          if (n.name) assert.ok(!ids.has(n.name), `${n.id}: name "${n.name}" is also an id`);
        }
      });

      it('carries no secrets: credentials are ${...} placeholders only', () => {
        for (const n of nodes) {
          for (const [key, value] of Object.entries(n.credentials ?? {})) {
            assert.match(value, /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, `${n.id}.credentials.${key}`);
          }
        }
      });
    });
  }

  it('documents every environment variable the deployment flows read (README and the .env examples)', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const file of ['flows/scanner-pi.json', 'flows/hub.json']) {
      const nodes = load(file);
      const tabVars = new Set(nodes.flatMap((n) => (n.env ?? []).map((e) => e.name)));
      const used = new Set<string>();
      for (const n of nodes) {
        // Function code and descriptions are not properties Node-RED substitutes.
        const { func: _func, info: _info, env: _env, ...props } = n;
        const refs = n.type === 'tab' ? new Set<string>() : envRefs(props);
        refs.forEach((r) => used.add(r));
        // A tab variable's own definition may read environment variables: $env('X') or ${X}.
        for (const e of n.env ?? []) {
          envRefs(e.value).forEach((r) => used.add(r));
          for (const m of e.value.matchAll(/\$env\('([A-Za-z0-9_]+)'\)/g)) used.add(m[1]);
          if (e.type === 'env' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(e.value)) used.add(e.value);
        }
      }
      for (const name of used) {
        if (tabVars.has(name)) continue;
        assert.match(readme, new RegExp(`\`${name}\``), `${file} reads ${name}: document it in the README`);
      }
    }
  });
});

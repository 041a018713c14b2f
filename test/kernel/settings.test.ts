// The settings tables: the reader's rules, each table against its node's editor .html (the same fields
// both ways), and the validators the build injects into the .html (the runtime's own checkField).
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { checkField, NODE_SETTINGS, readSettings, type SettingsTable } from '../../nodes/kernel/settings';
import { RSSI_FILTER_SETTINGS } from '../../nodes/kernel/settings/rssi-filter';
import { TRILATERATE_SETTINGS } from '../../nodes/kernel/settings/trilaterate';

const root = path.resolve(__dirname, '..', '..', '..');

type Editor = {
  table: SettingsTable;
  check: (field: string, value: unknown) => string | undefined;
  validate: (field: string) => (value: unknown, opt?: object) => true | string | false;
};

/**
 * Runs the JavaScript of a compiled editor .html (the injected settings script, then registerType) with
 * a stand-in for the editor's RED, and returns the registered definition and the injected validators.
 */
function loadEditor(type: string): { defaults: Record<string, unknown>; settings: Editor } {
  const html = readFileSync(path.join(root, 'dist', 'nodes', type, `${type}.html`), 'utf8');
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map(
    (m) => m[1],
  );
  const registered: Record<string, { defaults: Record<string, unknown> }> = {};
  const window: { dogtrackerSettings?: Record<string, Editor> } = {};
  const context = {
    window,
    RED: {
      nodes: {
        registerType: (t: string, def: { defaults: Record<string, unknown> }) => (registered[t] = def),
      },
      validators: { number: () => () => true, regex: () => () => true },
      _: (k: string) => k,
    },
    $: () => ({}),
  };
  vm.createContext(context);
  for (const script of scripts) {
    vm.runInContext(script, context);
    // The editor's page has window as its global object.
    Object.assign(context, { dogtrackerSettings: window.dogtrackerSettings });
  }
  assert.ok(registered[type], `${type}.html registers no ${type}`);
  assert.ok(window.dogtrackerSettings?.[type], `${type}.html has no injected settings script`);
  return { defaults: registered[type].defaults, settings: window.dogtrackerSettings[type] };
}

describe('settings tables', () => {
  it('reads typed values with defaults for blanks, and names every bad field', () => {
    const good = readSettings(RSSI_FILTER_SETTINGS, {
      mode: 'median',
      processNoise: '4',
      window: 7,
      gate: '',
    });
    assert.deepEqual(good, {
      ok: true,
      values: {
        name: '',
        mode: 'median',
        processNoise: 4,
        measurementNoise: 9,
        gate: 3,
        window: 7,
        forgetS: 60,
        maxPairs: 10000,
        maxSkew: 5,
        site: '',
      },
    });
    const bad = readSettings(RSSI_FILTER_SETTINGS, {
      mode: 'mean',
      processNoise: -1,
      measurementNoise: 'Infinity',
      window: 2.5,
      forgetS: '1e999',
      maxPairs: '0x10',
    });
    assert.deepEqual(bad, {
      ok: false,
      problems: [
        'mode must be one of kalman, median, trimmed-mean, not "mean"',
        'processNoise must be more than 0 dB²/s, not -1',
        'measurementNoise must be a number, not "Infinity"',
        'window must be a whole number, not 2.5',
        'forgetS must be a finite number, not "1e999"',
        'maxPairs must be a number, not "0x10"',
      ],
    });
  });

  it('a blank optional field with no default is unset; a blank required one is refused', () => {
    const table = {
      a: { type: 'number', min: 0 },
      b: { type: 'number', required: true },
    } as const satisfies SettingsTable;
    assert.deepEqual(readSettings(table, { a: '', b: ' ' }), { ok: false, problems: ['b is required'] });
    assert.deepEqual(readSettings(table, { b: 2 }), { ok: true, values: { a: undefined, b: 2 } });
  });

  it('quotes a hostile value only as a short excerpt', () => {
    const problem = checkField(TRILATERATE_SETTINGS.margin, 'x'.repeat(100000), 'margin', (v) =>
      JSON.stringify(String(v).slice(0, 10)),
    );
    assert.equal(problem, 'margin must be a number, not "xxxxxxxxxx"');
    const r = readSettings(TRILATERATE_SETTINGS, { margin: 'y'.repeat(100000) });
    assert.ok(!r.ok && r.problems[0].length < 200, JSON.stringify(r).slice(0, 300));
  });

  for (const [type, table] of Object.entries(NODE_SETTINGS)) {
    describe(type, () => {
      it("lists exactly the editor's fields (the .html defaults)", () => {
        const { defaults } = loadEditor(type);
        assert.deepEqual(Object.keys(defaults).sort(), Object.keys(table).sort());
      });

      it('its editor validators are the runtime checks, field by field', () => {
        const { defaults, settings: editor } = loadEditor(type);
        assert.equal(JSON.stringify(editor.table), JSON.stringify(table));
        const samples: unknown[] = ['-1', '', '0', '0.5', '1', '2.5', '50', '100', '1e9', 'abc', ' ', 5, -5];
        for (const [field, spec] of Object.entries(table)) {
          if (spec.type !== 'number' && spec.type !== 'integer') continue;
          // The dialog's validator for the field is the injected one for the same field.
          const validate = (defaults[field] as { validate: (v: unknown, opt?: object) => unknown }).validate;
          assert.equal(String(validate), String(editor.validate(field)), `${type}.${field} validator`);
          for (const v of samples) {
            const runtime: { ok: boolean; problems?: string[] } = readSettings(
              { [field]: spec },
              { [field]: v },
            );
            const verdict = validate(v, {});
            assert.equal(verdict === true, runtime.ok, `${type}.${field} = ${JSON.stringify(v)}`);
            // The same text in the dialog's tooltip (the value quoted its own way).
            if (!runtime.ok)
              assert.equal(String(verdict).split(', not ')[0], runtime.problems![0].split(', not ')[0]);
            // A field the editor requires would refuse a blank before the validator runs.
            if ((defaults[field] as { required?: boolean }).required)
              assert.ok(spec.required, `${type}.${field}`);
          }
        }
      });
    });
  }
});

// After tsc: put each node's editor .html, locales, web/ files and the package icons beside its compiled .js,
// which is where Node-RED looks for them. An editor .html with the marker comment
// `<!-- dogtracker:settings -->` gets, in its place, the node's settings table (nodes/kernel/settings/)
// and the runtime's own checkField, so its validators refuse exactly what the runtime refuses.
import { cpSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { checkField, NODE_SETTINGS } from '../nodes/kernel/settings';

const root = path.resolve(__dirname, '..', '..');
const nodesSrc = path.join(root, 'nodes');
const nodesOut = path.join(root, 'dist', 'nodes');
const icons = path.join(root, 'icons');
const SETTINGS_MARKER = '<!-- dogtracker:settings -->';

/**
 * The script that defines `window.dogtrackerSettings[type]`: its table, `check(field, value)` (the
 * problem text or undefined) and `validate(field)`, a Node-RED validator for the field's `defaults` entry
 * (true, or with Node-RED's `opt` the problem text, so the dialog shows why).
 */
function settingsScript(type: string): string {
  const table = NODE_SETTINGS[type];
  if (!table) throw new Error(`${type}.html has the settings marker but no table in nodes/kernel/settings`);
  return `<script type="text/javascript">
  (function () {
    var checkField = ${checkField.toString()};
    var table = ${JSON.stringify(table)};
    var all = (window.dogtrackerSettings = window.dogtrackerSettings || {});
    all[${JSON.stringify(type)}] = {
      table: table,
      check: function (field, value) {
        return checkField(table[field], value, field);
      },
      validate: function (field) {
        if (!table[field]) throw new Error('no setting ' + field + ' in the ${type} table');
        return function (value, opt) {
          var problem = checkField(table[field], value, field);
          return problem === undefined ? true : opt ? problem : false;
        };
      },
    };
  })();
</script>`;
}

for (const dir of readdirSync(nodesSrc)) {
  const src = path.join(nodesSrc, dir);
  if (!statSync(src).isDirectory()) continue;
  const out = path.join(nodesOut, dir);
  const htmlFiles = readdirSync(src).filter((f) => f.endsWith('.html'));
  for (const file of htmlFiles) {
    const text = readFileSync(path.join(src, file), 'utf8');
    const type = path.basename(file, '.html');
    writeFileSync(
      path.join(out, file),
      text.includes(SETTINGS_MARKER) ? text.replace(SETTINGS_MARKER, () => settingsScript(type)) : text,
    );
  }
  if (existsSync(path.join(src, 'locales')))
    cpSync(path.join(src, 'locales'), path.join(out, 'locales'), { recursive: true });
  // Files a node serves to browsers (the live map page).
  if (existsSync(path.join(src, 'web')))
    cpSync(path.join(src, 'web'), path.join(out, 'web'), { recursive: true });
  if (htmlFiles.length > 0) cpSync(icons, path.join(out, 'icons'), { recursive: true });
}

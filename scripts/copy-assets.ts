// After tsc: put each node's editor .html, locales, web/ files and the package icons beside its compiled .js,
// which is where Node-RED looks for them.
import { cpSync, existsSync, readdirSync, statSync } from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const nodesSrc = path.join(root, 'nodes');
const nodesOut = path.join(root, 'dist', 'nodes');
const icons = path.join(root, 'icons');

for (const dir of readdirSync(nodesSrc)) {
  const src = path.join(nodesSrc, dir);
  if (!statSync(src).isDirectory()) continue;
  const out = path.join(nodesOut, dir);
  const htmlFiles = readdirSync(src).filter((f) => f.endsWith('.html'));
  for (const file of htmlFiles) cpSync(path.join(src, file), path.join(out, file));
  if (existsSync(path.join(src, 'locales')))
    cpSync(path.join(src, 'locales'), path.join(out, 'locales'), { recursive: true });
  // Files a node serves to browsers (the live map page).
  if (existsSync(path.join(src, 'web')))
    cpSync(path.join(src, 'web'), path.join(out, 'web'), { recursive: true });
  if (htmlFiles.length > 0) cpSync(icons, path.join(out, 'icons'), { recursive: true });
}

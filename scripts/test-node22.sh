#!/usr/bin/env bash
# Runs the whole test suite on Node.js 22 with Node-RED 5, in a copy of this checkout, so the
# node_modules here stay built for the machine's own Node.js. Node 22 comes from the npm registry
# package `node@22`. Usage: scripts/test-node22.sh [workdir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d /tmp/dogtracker-node22.XXXXXX)}
tools="$work/tools"
app="$work/app"
mkdir -p "$tools" "$app"

echo "== Node 22 from the npm registry into $tools"
(cd "$tools" && [ -f package.json ] || echo '{"private":true}' > "$tools/package.json")
npm install --prefix "$tools" --no-audit --no-fund --loglevel=error node@22 >/dev/null
export PATH="$tools/node_modules/node/bin:$PATH"
case "$(node -v)" in v22.*) ;; *) echo "expected Node 22, got $(node -v)" >&2; exit 1 ;; esac
echo "   node $(node -v)"
# Native addons (noble, bluetooth-hci-socket) must build against Node 22's headers, not the machine's
# Node 20 ones that npm's `nodedir` setting may name; the node@22 package ships them.
headers=$(dirname "$(dirname "$(dirname "$(find "$tools/node_modules" -path '*/include/node/node_version.h' | head -n 1)")")")
if [ -n "$headers" ] && [ -f "$headers/include/node/node_version.h" ]; then
  export npm_config_nodedir="$headers"
  echo "   native addons build against $headers"
fi

echo "== copy of the checkout into $app"
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.node-red --exclude=./.git -cf - . | tar -C "$app" -xf -
# Tests that read ../shared (the contract's vectors) find it beside the copy too.
if [ -d "$root/../shared" ]; then ln -sfn "$(cd "$root/../shared" && pwd)" "$work/shared"; fi
cd "$app"
npm ci --no-audit --no-fund --loglevel=error
npm install --no-save --no-audit --no-fund --loglevel=error node-red@5
echo "   Node-RED $(node -p 'require("node-red/package.json").version')"
npm test

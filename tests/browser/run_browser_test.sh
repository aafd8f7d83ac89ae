#!/bin/bash
# CTest entry for browser_test.js: installs playwright-core from the
# committed lockfile when missing (npm ci), then runs the test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules/playwright-core" ]; then
  npm ci --no-audit --no-fund --prefix "$here" >/dev/null
fi
exec node "$here/browser_test.js" "$1"

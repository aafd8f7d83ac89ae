"""Runs a Node test script whose npm packages come from a committed
package-lock.json: `npm ci` into the test's folder when a package is
missing, then `node SCRIPT ARGS...`. A missing node/npm or a failed install
(no network) fails the test with a message saying so; it is never skipped.
Used by tests/editor, tests/lsp and tests/debug.
"""
import os
import shutil
import subprocess


def run_node_test(folder, what, packages, script, args):
    """Returns the exit status: 1 with a FAIL line if node/npm or the install is missing."""
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            print("FAIL the %s test needs `%s` (Debian: apt-get install npm)" % (what, tool))
            return 1
    modules = os.path.join(folder, "node_modules")
    if not all(os.path.isdir(os.path.join(modules, p)) for p in packages):
        proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", folder],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            print("FAIL npm ci --prefix tests/%s failed (it needs the npm registry, "
                  "registry.npmjs.org):\n%s" % (os.path.basename(folder), proc.stdout[-2000:]))
            return 1
    return subprocess.run(["node", os.path.join(folder, script)] + args).returncode

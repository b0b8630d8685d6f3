#!/usr/bin/env bash
# Checks the HTTP exchanges the last jest run recorded (node_modules/.cache/api-exchanges, see
# test/setup-env.ts) against AWS's API models from botocore, pinned in requirements.txt. Needs
# Python 3 with venv and pip, and PyPI; installs into a temporary venv it removes afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# The folder of the last jest run (test/global-setup.js makes one per run).
exchanges="${1:-$(ls -d "$root"/node_modules/.cache/api-exchanges/run-* 2> /dev/null | sort | tail -n 1)}"
if [ -z "$exchanges" ]; then
  echo 'npm run check:api-model: no recorded exchanges; run the tests first (npm test)' >&2
  exit 2
fi

if ! command -v python3 > /dev/null || ! python3 -c 'import venv, ensurepip' 2> /dev/null; then
  echo 'npm run check:api-model needs Python 3 with venv and pip (python3, python3-venv): it installs botocore from PyPI to read AWS API models.' >&2
  exit 1
fi
venv="$(mktemp -d "${TMPDIR:-/tmp}/api-model-check.XXXXXX")"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir -r "$here/requirements.txt"
# First, that the check refuses what it must (one known-bad exchange per kind of refusal).
"$venv/bin/python" "$here/check.py" --self-test "$here/known-bad"
"$venv/bin/python" "$here/check.py" "$exchanges"

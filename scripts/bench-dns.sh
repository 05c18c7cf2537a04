#!/usr/bin/env bash
# DNS agent benchmark: every DNS check on five lab domains (Knot DNS, zones signed at run time under
# a private root), next to checkdmarc's SPF and DMARC checks of the same domains against the same
# server in the same run. Needs Knot and ldns (apt-get install knot ldnsutils); installs checkdmarc
# from PyPI into a virtualenv under target/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${CARGO_TARGET_DIR:-target}/bench-dns-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import checkdmarc' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'checkdmarc==6.0.4'
fi
export LAUNCHGUARD_CHECKDMARC_PYTHON="$venv/bin/python"
cargo bench --quiet -p launchguard-dns --bench five_domains

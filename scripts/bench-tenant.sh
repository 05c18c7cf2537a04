#!/usr/bin/env bash
# Rate-limit and cross-tenant probe benchmark: the rate-limit probe (a limited and an unlimited
# endpoint) and the cross-tenant probes over 3 tenants x 5 selectors x 20 resources against the
# in-process lab API. Prints wall time, requests sent per check against its cap, and a bare reqwest
# client sending the same number of GETs one at a time as the baseline.
# Built with the dev profile (dependencies are optimised there too); pass --release to use the
# release profile instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile=dev
if [ "${1:-}" = "--release" ]; then profile=release; fi
cargo bench --quiet --profile "$profile" -p launchguard-http --bench tenant

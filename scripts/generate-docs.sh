#!/usr/bin/env bash
# Regenerates docs/checks.md and docs/report.schema.json from the code; commit the result.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
LAUNCHGUARD_BLESS=1 cargo test --quiet -p launchguard --test it -- docs::generated_docs_are_current
git status --short docs/

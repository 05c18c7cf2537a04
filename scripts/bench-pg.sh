#!/usr/bin/env bash
# Postgres agent benchmark: lint a generated schema of 1,000 tables and probe 20 tables x 2 tenants
# against a real PostgreSQL, next to pg_dump --schema-only of the same schema in the same run.
# Uses LAUNCHGUARD_TEST_DATABASE_URL (a superuser URL), else postgres@127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo bench --quiet -p launchguard-pg --bench lint_and_probe

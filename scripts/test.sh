#!/usr/bin/env bash
# The one test command: a PostgreSQL that answers (with a database of this run's own), formatting,
# lints, the whole test suite (generated docs and snapshots included).
#
#   scripts/test.sh            # from the repository root or anywhere inside it
#
# OpenSSL's command-line tool is installed when missing: the TLS tests run `openssl s_server` as a
# real legacy peer.
# PostgreSQL: $DATABASE_URL if set, else 127.0.0.1:5432 as user postgres, else a throwaway cluster
# started from the installed server binaries (installing Debian's postgresql when run as root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'scripts/test.sh: %s\n' "$*" >&2; exit 1; }

cleanup_steps=()
cleanup() {
  local i
  for ((i = ${#cleanup_steps[@]} - 1; i >= 0; i--)); do eval "${cleanup_steps[i]}" || true; done
}
trap cleanup EXIT

apt_install() {
  [ "$(id -u)" = 0 ] || return 1
  command -v apt-get >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 && return 0
  apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1
}

answers() { psql "$1" -XAtqc 'select 1' >/dev/null 2>&1; }

start_throwaway_cluster() {
  local bindir
  bindir="$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1)")"
  if [ ! -x "$bindir/initdb" ]; then
    say "no PostgreSQL server binaries: installing Debian's postgresql"
    apt_install postgresql || die "no PostgreSQL answers and none could be installed (need root and apt-get); set DATABASE_URL"
    bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  fi
  local dir port owner run_as=()
  dir="$(mktemp -d /tmp/launchguard-pg.XXXXXX)"
  port=55432
  while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  if [ "$(id -u)" = 0 ]; then
    owner=postgres
    id "$owner" >/dev/null 2>&1 || useradd --system --no-create-home "$owner"
    chown "$owner" "$dir"
    run_as=(runuser -u "$owner" --)
  fi
  say "starting a throwaway PostgreSQL cluster on 127.0.0.1:$port ($dir)"
  "${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null
  cleanup_steps+=("${run_as[*]} '$bindir/pg_ctl' -D '$dir/data' -m immediate stop >/dev/null 2>&1; rm -rf '$dir'")
  admin_url="postgresql://postgres@127.0.0.1:$port/postgres"
}

say "PostgreSQL"
command -v psql >/dev/null || apt_install postgresql-client || die "psql is missing and could not be installed"
if [ -n "${DATABASE_URL:-}" ]; then
  answers "$DATABASE_URL" || die "DATABASE_URL is set but does not answer"
  admin_url="$DATABASE_URL"
elif answers "postgresql://postgres@127.0.0.1:5432/postgres"; then
  admin_url="postgresql://postgres@127.0.0.1:5432/postgres"
else
  start_throwaway_cluster
fi
test_db="launchguard_test_$$_$RANDOM"
psql "$admin_url" -XAtqc "create database $test_db" >/dev/null
cleanup_steps+=("psql '$admin_url' -XAtqc 'drop database if exists $test_db with (force)' >/dev/null 2>&1")
export LAUNCHGUARD_TEST_DATABASE_URL="${admin_url%/*}/$test_db"
echo "this run's database: $test_db (dropped on exit)"

say "OpenSSL (the TLS tests' legacy peer: openssl s_server speaking TLS 1.0 and weak suites)"
command -v openssl >/dev/null || apt_install openssl || die "openssl is missing and could not be installed (need root and apt-get)"
openssl version

say "Knot DNS and ldns (the DNS tests' authoritative server, and the signer of its zones)"
{ command -v knotd >/dev/null || [ -x /usr/sbin/knotd ]; } || apt_install knot || die "knotd is missing and could not be installed (need root and apt-get)"
command -v ldns-signzone >/dev/null || apt_install ldnsutils || die "ldns-signzone is missing and could not be installed (need root and apt-get)"

sarif_schema="$root/../shared/schemas/sarif-schema-2.1.0.json"
if [ -f "$sarif_schema" ]; then
  export LAUNCHGUARD_SARIF_SCHEMA="$sarif_schema"
else
  echo "note: $sarif_schema is absent; SARIF output is checked without the official schema"
fi

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "cargo deny (advisories, licences, bans: one crypto provider, no OpenSSL; sources)"
if cargo deny --version >/dev/null 2>&1; then
  if cargo deny fetch db >/dev/null 2>&1; then
    cargo deny --log-level error check advisories bans licenses sources
  else
    echo "note: the RustSec advisory database cannot be fetched (no network?): checking bans, licences and sources only"
    cargo deny --log-level error check bans licenses sources
  fi
else
  die "cargo-deny is not installed (cargo install --locked cargo-deny; .ci/run installs it)"
fi

say "tests (includes the generated-docs and snapshot checks)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

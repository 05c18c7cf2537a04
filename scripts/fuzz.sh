#!/usr/bin/env bash
# Runs every fuzz target for a bounded time and prints executions and findings per target.
#
#   scripts/fuzz.sh            # 5 s per target
#   scripts/fuzz.sh 60         # 60 s per target
#
# Needs a nightly toolchain and cargo-fuzz (`cargo +nightly install cargo-fuzz`). Targets are in
# fuzz/fuzz_targets; crashes are kept in fuzz/artifacts/<target>/. Builds go to $CARGO_TARGET_DIR
# (default target/) and use no sanitizer unless FUZZ_SANITIZER is set (address, for instance):
# the C crypto library is not instrumented anyway, and an uninstrumented build is much faster.
# The test suite runs bounded property tests over the same parsers on stable (crates/runner/tests/it/properties.rs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-5}"
sanitizer="${FUZZ_SANITIZER:-none}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

command -v cargo >/dev/null || { echo "scripts/fuzz.sh: cargo is missing" >&2; exit 1; }
rustup toolchain list 2>/dev/null | grep -q nightly || {
  echo "scripts/fuzz.sh: no nightly toolchain (rustup toolchain install nightly); the stable suite runs the property tests instead" >&2
  exit 1
}
cargo +nightly fuzz --version >/dev/null 2>&1 || {
  echo "scripts/fuzz.sh: cargo-fuzz is missing (cargo +nightly install cargo-fuzz)" >&2
  exit 1
}

targets=$(cargo +nightly fuzz list --fuzz-dir fuzz)
build_log="$(mktemp)"
if ! cargo +nightly fuzz build --fuzz-dir fuzz -s "$sanitizer" --target-dir "$target_dir" >"$build_log" 2>&1; then
  cat "$build_log" >&2
  exit 1
fi
rm -f "$build_log"

status=0
printf '%-14s %12s %8s %s\n' target executions seconds findings
for target in $targets; do
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log="$(mktemp)"
  set +e
  cargo +nightly fuzz run --fuzz-dir fuzz -s "$sanitizer" --target-dir "$target_dir" "$target" \
    "fuzz/corpus/$target" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1
  code=$?
  set -e
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n1)
  findings=$(find "fuzz/artifacts/$target" -type f | wc -l)
  printf '%-14s %12s %8s %s\n' "$target" "${runs:-?}" "$seconds" "$findings"
  if [ "$code" -ne 0 ] || [ "$findings" -ne 0 ]; then
    status=1
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -n 5 | sed 's/^/    /'
  fi
  rm -f "$log"
done
exit "$status"

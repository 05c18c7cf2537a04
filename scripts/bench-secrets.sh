#!/usr/bin/env bash
# Secrets-in-logs benchmark. Generates a deterministic corpus (never committed) and prints, measured
# in the same run: MB/s of cat, `rg -c -F` with one literal, `rg -c -f` with the rules' own regexes,
# launchguard scan-logs on one thread and on all cores, plain and gzipped next to `gzip -dc`, peak
# memory, and recall / precision against the corpus's answer key.
#   SIZE_MIB=256 SEED=42 RUNS=3 scripts/bench-secrets.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size_mib=${SIZE_MIB:-256}
seed=${SEED:-42}
runs=${RUNS:-3}

install() {
  command -v "$1" >/dev/null && return 0
  [ "$(id -u)" = 0 ] || { echo "bench-secrets: $1 is missing (Debian package $2)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}
install rg ripgrep
install gzip gzip
[ -x /usr/bin/time ] || install /usr/bin/time time

cargo build --quiet --release -p launchguard -p launchguard-secrets --example corpus
lg=target/release/launchguard
work=$(mktemp -d /tmp/launchguard-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
target/release/examples/corpus generate "$seed" $((size_mib * 1024 * 1024)) "$work"
gzip -k -6 "$work/corpus.log"
bytes=$(stat -c %s "$work/corpus.log")
cores=$(nproc)

# measure LABEL CMD...: median wall time over $runs runs and the largest peak RSS.
measure() {
  local label=$1; shift
  local times=() rss=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1 || true
    read -r t m < <(tail -n 1 "$work/time")
    times+=("$t"); [ "$m" -gt "$rss" ] && rss=$m
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-46s %8.3f s %9.0f MB/s %8.1f MiB\n' "$label" "$median" "$(echo "$bytes / 1000000 / $median" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  echo "$median" > "$work/$label.t"; echo "$rss" > "$work/$label.m"
}

echo "corpus: $((bytes / 1048576)) MiB (seed $seed), $cores cores, median of $runs runs"
printf '%-46s %10s %14s %12s\n' "command" "wall" "throughput" "peak RSS"
measure cat cat "$work/corpus.log"
measure rg-F rg -c -F T3BlbkFJ "$work/corpus.log"
measure rg-f rg -c -f "$work/patterns.txt" "$work/corpus.log"
measure lg-1 "$lg" scan-logs "$work/corpus.log" --threads 1 --format json --output-dir "$work/r1" --quiet
measure lg-all "$lg" scan-logs "$work/corpus.log" --threads 0 --format json --output-dir "$work/rall" --quiet
measure gzip-dc gzip -dc "$work/corpus.log.gz"
measure lg-gz "$lg" scan-logs "$work/corpus.log.gz" --threads 1 --format json --output-dir "$work/rgz" --quiet

ratio() { echo "$(cat "$work/$1.t") / $(cat "$work/$2.t")" | bc -l; }
echo
printf 'launchguard 1 thread vs rg -f (same regexes):  %.2fx faster (goal >= 2x)\n' "$(ratio rg-f lg-1)"
printf 'launchguard all %s cores:                       %.0f MB/s (goal >= 1500 MB/s)\n' "$cores" "$(echo "$bytes / 1000000 / $(cat "$work/lg-all.t")" | bc -l)"
printf 'launchguard on .gz vs gzip -dc:                %.0f%% of its speed (goal >= 80%%)\n' "$(echo "100 * $(cat "$work/gzip-dc.t") / $(cat "$work/lg-gz.t")" | bc -l)"
printf 'peak memory, all cores / gz:                   %.1f / %.1f MiB (goal < 64 MiB)\n' "$(echo "$(cat "$work/lg-all.m") / 1024" | bc -l)" "$(echo "$(cat "$work/lg-gz.m") / 1024" | bc -l)"
echo
target/release/examples/corpus score "$work/corpus.key.json" "$work/rall/launchguard-report.json"

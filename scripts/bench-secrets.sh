#!/usr/bin/env bash
# Secrets-in-logs benchmark, on two deterministic corpora (never committed): `sparse` (the project's
# log mix: nginx, JSON lines, tracebacks; few lines hold a rule keyword) and `dense` (most lines carry
# UUIDs, tenant ids and fields named token, key or session, which a search for those names would pass
# to the rules). For each it prints, measured in the same run: MB/s of cat, `rg -c -F` with one
# literal, `rg -c -f` with the rules' own regexes, launchguard scan-logs on one thread and on all
# cores, plain and gzipped next to `gzip -dc`, peak memory, the ratios against the goals, and recall /
# precision against the corpus's answer key (planted secrets, raw and encoded, including base64).
#   SIZE_MIB=256 SEED=42 RUNS=3 MODES="sparse dense" scripts/bench-secrets.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size_mib=${SIZE_MIB:-256}
seed=${SEED:-42}
runs=${RUNS:-3}
modes=${MODES:-sparse dense}

install() {
  command -v "$1" >/dev/null && return 0
  [ "$(id -u)" = 0 ] || { echo "bench-secrets: $1 is missing (Debian package $2)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}
install rg ripgrep
install gzip gzip
install bc bc
[ -x /usr/bin/time ] || install /usr/bin/time time

cargo build --quiet --release -p launchguard --bin launchguard
cargo build --quiet --release -p launchguard-secrets --example corpus
target=${CARGO_TARGET_DIR:-target}/release
lg=$target/launchguard
work=$(mktemp -d /tmp/launchguard-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
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
  # /usr/bin/time counts in 10 ms steps: keep tiny corpora from dividing by zero.
  median=$(echo "if ($median < 0.005) 0.005 else $median" | bc -l)
  printf '  %-44s %8.3f s %9.0f MB/s %8.1f MiB\n' "$label" "$median" "$(echo "$bytes / 1000000 / $median" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  echo "$median" > "$dir/$label.t"; echo "$rss" > "$dir/$label.m"
}
value() { cat "$dir/$1.$2"; }

for mode in $modes; do
  dir=$work/$mode
  flag=; [ "$mode" = dense ] && flag=--dense
  "$target/examples/corpus" generate $flag "$seed" $((size_mib * 1024 * 1024)) "$dir"
  gzip -k -6 "$dir/corpus.log"
  bytes=$(stat -c %s "$dir/corpus.log")
  echo "== $mode corpus: $((bytes / 1048576)) MiB (seed $seed), $cores cores, median of $runs runs"
  printf '  %-44s %10s %14s %12s\n' "command" "wall" "throughput" "peak RSS"
  measure cat cat "$dir/corpus.log"
  measure rg-F rg -c -F T3BlbkFJ "$dir/corpus.log"
  measure rg-f rg -c -f "$dir/patterns.txt" "$dir/corpus.log"
  measure lg-1 "$lg" scan-logs "$dir/corpus.log" --threads 1 --format json --output-dir "$dir/r1" --quiet
  measure lg-all "$lg" scan-logs "$dir/corpus.log" --threads 0 --format json --output-dir "$dir/rall" --quiet
  measure gzip-dc gzip -dc "$dir/corpus.log.gz"
  measure lg-gz "$lg" scan-logs "$dir/corpus.log.gz" --threads 1 --format json --output-dir "$dir/rgz" --quiet
  echo
  printf '  %s: launchguard 1 thread vs rg -f (same regexes):  %.2fx faster (goal >= 2x)\n' "$mode" "$(echo "$(value rg-f t) / $(value lg-1 t)" | bc -l)"
  printf '  %s: launchguard all %s cores:                       %.0f MB/s (goal >= 1500 MB/s)\n' "$mode" "$cores" "$(echo "$bytes / 1000000 / $(value lg-all t)" | bc -l)"
  printf '  %s: launchguard on .gz vs gzip -dc:                %.0f%% of its speed (goal >= 80%%)\n' "$mode" "$(echo "100 * $(value gzip-dc t) / $(value lg-gz t)" | bc -l)"
  printf '  %s: peak memory, 1 thread / all cores / gz:        %.1f / %.1f / %.1f MiB (goal < 64 MiB)\n' "$mode" "$(echo "$(value lg-1 m) / 1024" | bc -l)" "$(echo "$(value lg-all m) / 1024" | bc -l)" "$(echo "$(value lg-gz m) / 1024" | bc -l)"
  "$target/examples/corpus" score "$dir/corpus.key.json" "$dir/rall/launchguard-report.json" | sed "s/^/  $mode: /"
  rm -f "$dir/corpus.log" "$dir/corpus.log.gz"
  echo
done

#!/usr/bin/env bash
# HTTP surface benchmark. Starts the lab's benchmark site on 127.0.0.1 (plain HTTP, every planted
# header, cookie, CORS, exposure and bundle-secret flaw; crates/lab/src/http_sites.rs), then
# measures in the same run, as median wall time of RUNS runs:
#   launchguard audit --only http (the whole agent: page, soft-404 baseline, ~25 exposure paths,
#     scripts and maps through the secrets engine, 10 CORS endpoints x simple + preflight)
#   drheader scan single (headers and cookies, PyPI), shcheck.py -g -i -x (headers, PyPI),
#   corscanner -i (CORS, PyPI) on the site's 10 CORS endpoints;
# prints ratios and a coverage table (which planted flaw each tool reports), then times launchguard
# on 100 endpoints (100 targets on the same site).
#   RUNS=5 scripts/bench-http.sh
# Installs drheader, shcheck and corscanner into a venv under the target directory when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-5}
target_dir=${CARGO_TARGET_DIR:-$(pwd)/target}
venv=$target_dir/bench-http-venv
if [ ! -x "$venv/bin/corscanner" ] || [ ! -x "$venv/bin/drheader" ] || [ ! -x "$venv/bin/shcheck.py" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q drheader shcheck corscanner
fi
cargo build --quiet --release -p launchguard
cargo build --quiet --release -p launchguard-lab --example http-bench-site
lg=$target_dir/release/launchguard
work=$(mktemp -d /tmp/launchguard-bench-http.XXXXXX)
site_pid=
cleanup() {
  [ -n "$site_pid" ] && kill "$site_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$target_dir/release/examples/http-bench-site" > "$work/port" &
site_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
base="http://127.0.0.1:$port"
cors_paths='"/v1/reflect-credentials", "/v1/reflect", "/v1/null", "/v1/prefix", "/v1/suffix", "/v1/http", "/v1/regex", "/v1/wildcard", "/v1/wildcard-credentials"'
for path in /v1/me /v1/reflect-credentials /v1/reflect /v1/null /v1/prefix /v1/suffix /v1/http /v1/regex /v1/wildcard /v1/wildcard-credentials; do
  echo "$base$path"
done > "$work/cors-urls"

scope="[scope]
hosts = [\"127.0.0.1\"]
requests_per_host = 100000
agent_deadline_secs = 120
"
cat > "$work/one.toml" <<TOML
$scope
[http]
[[http.targets]]
name = "site"
url = "$base/"
role = "frontend"
allowed_origins = ["https://app.lab.test"]
credentials = true
cors_paths = ["/v1/me", $cors_paths]
max_requests = 400
TOML
{
  echo "$scope"
  echo "[http]"
  for i in $(seq 1 100); do
    printf '[[http.targets]]\nname = "e%03d"\nurl = "%s/v1/me?e=%d"\nrole = "api"\nallowed_origins = ["https://app.lab.test"]\ncredentials = true\n\n' "$i" "$base" "$i"
  done
} > "$work/hundred.toml"

now() { date +%s.%N; }
# Median wall time in seconds of RUNS runs of "$@" (output kept from the last run in $work/out).
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(now)
    "$@" > "$work/out" 2> "$work/err" || true
    end=$(now)
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

lg_one() { "$lg" audit --config "$work/one.toml" --only http --quiet --format json --output-dir "$work/lg"; }
lg_hundred() { "$lg" audit --config "$work/hundred.toml" --only http --quiet --format json --output-dir "$work/lg100"; }
drheader_run() { "$venv/bin/drheader" scan single -o json "$base/"; }
shcheck_run() { "$venv/bin/shcheck.py" -g -i -x -j "$base/"; }
corscanner_run() { (cd "$work" && "$venv/bin/corscanner" -i "$work/cors-urls" -t 10 -o "$work/cors.json"); }

lg_one >/dev/null 2>&1 || true   # warm-up
t_lg=$(median lg_one); cp "$work/lg/launchguard-report.json" "$work/lg.json"
t_dr=$(median drheader_run); cp "$work/out" "$work/drheader.json"
t_sh=$(median shcheck_run); cp "$work/out" "$work/shcheck.json"
t_co=$(median corscanner_run); cp "$work/cors.json" "$work/corscanner.json" 2>/dev/null || echo '[]' > "$work/corscanner.json"
grep -q "public_suffix_list" "$work/err" && psl_note=yes || psl_note=no

echo "HTTP surface benchmark: one local site with every planted flaw, $runs runs each (median wall time)"
printf '%-44s %8s %10s\n' "tool" "seconds" "ratio"
printf '%-44s %8.3f %10s\n' "launchguard audit --only http (every check)" "$t_lg" "1.00"
for row in "drheader scan single (headers, cookies)|$t_dr" "shcheck.py -g -i -x (headers)|$t_sh" "corscanner, 10 CORS endpoints|$t_co"; do
  name=${row%|*}; t=${row#*|}
  printf '%-44s %8.3f %9.2fx\n' "$name" "$t" "$(echo "$t / $t_lg" | bc -l)"
done
echo "(ratio = that tool's time / launchguard's; above 1 means launchguard is faster)"
[ "$psl_note" = yes ] && echo "note: corscanner's tldextract tried to download the public suffix list (no internet here) and fell back to its bundled copy"

# Coverage: a planted flaw counts for a tool when its output names it (fields split at @).
lg_has() { python3 - "$work/lg.json" "$1" "$2" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
check, target = sys.argv[2], sys.argv[3]
hit = any(f["check"] == check and f["status"] == "fail" and (target == "" or target in f["target"]["id"]) for f in report["findings"])
print("yes" if hit else "no")
PY
}
json_has() { python3 - "$1" "$2" <<'PY'
import re, sys
print("yes" if re.search(sys.argv[2], open(sys.argv[1]).read()) else "no")
PY
}
echo
echo "Coverage of the planted flaws (yes = the tool reports it)"
printf '%-42s %-11s %-9s %-9s %-10s\n' "planted flaw" "launchguard" "drheader" "shcheck" "corscanner"
while IFS='@' read -r flaw check target dr sh co; do
  l=$(lg_has "$check" "$target")
  d=$([ -n "$dr" ] && json_has "$work/drheader.json" "$dr" || echo no)
  s=$([ -n "$sh" ] && json_has "$work/shcheck.json" "$sh" || echo no)
  c=$([ -n "$co" ] && json_has "$work/corscanner.json" "$co" || echo no)
  printf '%-42s %-11s %-9s %-9s %-10s\n' "$flaw" "$l" "$d" "$s" "$c"
done <<'ROWS'
CSP with unsafe-inline/unsafe-eval/data:/*@headers.csp.unsafe@@"rule": "Content-Security-Policy@@
X-Frame-Options ALLOW-FROM (ignored)@headers.xfo.missing@@"rule": "X-Frame-Options@@
no X-Content-Type-Options@headers.nosniff.missing@@"rule": "X-Content-Type-Options@"missing": \[[^]]*X-Content-Type-Options@
Referrer-Policy unsafe-url@headers.referrer_policy.missing@@"rule": "Referrer-Policy@@
no Permissions-Policy@headers.permissions_policy.missing@@"rule": "Permissions-Policy@"missing": \[[^]]*Permissions-Policy@
Server/X-Powered-By versions@headers.server_version_leak@@"rule": "(Server|X-Powered-By)@"information_disclosure": \{"Server@
session page cacheable (public, max-age)@headers.cache_sensitive@@"rule": "Cache-Control@@
session cookie without Secure@cookie.insecure@@"rule": "Set-Cookie - sessionid@@
session cookie without HttpOnly@cookie.no_httponly@@"rule": "Set-Cookie - sessionid@@
cookie without SameSite@cookie.no_samesite@@"rule": "Set-Cookie - (sessionid|tracking)@@
SameSite=None without Secure@cookie.samesite_none_insecure@@"rule": "Set-Cookie - tracking@@
cookie with Domain=lab.test@cookie.broad_domain@@@@
CORS: any origin reflected + credentials@cors.origin_reflected_with_credentials@reflect-credentials@@@reflect-credentials",\s*"type": "reflect_origin
CORS: any origin reflected@cors.origin_reflected@v1/reflect@@@v1/reflect",\s*"type": "reflect_origin
CORS: null origin trusted@cors.null_origin_trusted@v1/null@@@"trust_null"
CORS: prefix look-alike of allowlist@cors.prefix_match_bypass@v1/prefix@@@v1/prefix",\s*"type"
CORS: suffix look-alike of allowlist@cors.suffix_match_bypass@v1/suffix@@@v1/suffix",\s*"type"
CORS: http:// of allowed origin@cors.http_origin_trusted@v1/http@@@v1/http",\s*"type"
CORS: unescaped dot / unlisted subdomain@cors.not_in_allowlist@v1/regex@@@v1/regex",\s*"type"
CORS: * with credentials@cors.wildcard_with_credentials@wildcard-credentials@@@wildcard-credentials",\s*"type"
CORS: *@cors.wildcard@v1/wildcard@@@v1/wildcard",\s*"type"
.env readable@exposure.dotenv@@@@
.git readable@exposure.git@@@@
source map with sourcesContent@exposure.sourcemap@@@@
Prometheus /metrics@exposure.metrics@@@@
Werkzeug debug page@exposure.debug@@@@
directory listing /static/@exposure.directory_listing@@@@
SQL dump /backup.sql@exposure.backup_file@@@@
private IPs / internal hosts@exposure.internal_address@@@@
service-role JWT in the bundle@exposure.secret@supabase_service_role@@@
OpenAI key in a chunk@exposure.secret@openai_key@@@
sb_secret_ key in the source map@exposure.secret@supabase_secret_key@@@
ROWS

requests=$(python3 - "$work/lg.json" <<'PY'
import json, sys
print(sum(f.get("evidence", {}).get("requests_sent", 0) for f in json.load(open(sys.argv[1]))["findings"]))
PY
)
echo "launchguard sent $requests requests for the one site (cap 400)"

echo
lg_hundred >/dev/null 2>&1 || true
t_100=$(median lg_hundred)
requests=$(python3 - "$work/lg100/launchguard-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["findings"]
print(sum(f.get("evidence", {}).get("requests_sent", 0) for f in r), sum(1 for f in r if f["status"] == "error"))
PY
)
printf 'launchguard on 100 endpoints (100 targets, full agent each): %.3f s, requests sent and errors: %s\n' "$t_100" "$requests"
echo "goals: one site < 0.5 s and faster than each tool; 100 endpoints < 10 s on 2 cores"

#!/usr/bin/env bash
# TLS benchmark. Starts one nginx on 127.0.0.1 with a realistic configuration (Mozilla intermediate:
# TLS 1.2 + 1.3, ECDHE AEAD suites, full chain from a private CA, HSTS, a 301 from plain HTTP), then
# measures in the same run, as wall time per host:
#   launchguard audit --only tls (the whole TLS agent: certificate, protocols, cipher classes, HSTS, redirect)
#   sslscan (lower bound: protocols and suites only), sslyze (default scan), testssl.sh (default run, once)
# and launchguard on 10, 50 and 100 hostnames served by the same nginx.
#   RUNS=5 scripts/bench-tls.sh
# Installs nginx-light, sslscan and testssl.sh (Debian) and sslyze (PyPI, in a venv under target/) when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-5}
root_dir=$(pwd)

install() {
  command -v "$1" >/dev/null && return 0
  [ "$(id -u)" = 0 ] || { echo "bench-tls: $1 is missing (Debian package $2)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; }
}
install nginx nginx-light
install sslscan sslscan
install testssl testssl.sh
install openssl openssl
venv=target/bench-venv
if [ ! -x "$venv/bin/sslyze" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q sslyze
fi

cargo build --quiet --release -p launchguard
lg="$root_dir/target/release/launchguard"
work=$(mktemp -d /tmp/launchguard-bench-tls.XXXXXX)
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# A private CA, an intermediate and one certificate for bench.test and *.bench.test.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=bench root" \
  -keyout root.key -out root.pem -addext basicConstraints=critical,CA:TRUE 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench intermediate" \
  -keyout inter.key -out inter.csr 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >inter.ext
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 1825 -sha256 \
  -extfile inter.ext -out inter.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench.test" \
  -keyout leaf.key -out leaf.csr 2>/dev/null
printf 'subjectAltName=DNS:bench.test,DNS:*.bench.test\ncrlDistributionPoints=URI:http://127.0.0.1:9/bench.crl\nextendedKeyUsage=serverAuth\n' >leaf.ext
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 90 -sha256 \
  -extfile leaf.ext -out leaf.pem 2>/dev/null
cat leaf.pem inter.pem >fullchain.pem

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
https_port=$(free_port)
http_port=$(free_port)
mkdir -p logs
cat >nginx.conf <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server {
    listen 127.0.0.1:$http_port;
    server_name bench.test *.bench.test;
    return 301 https://\$host:$https_port\$request_uri;
  }
  server {
    listen 127.0.0.1:$https_port ssl http2;
    server_name bench.test *.bench.test;
    ssl_certificate $work/fullchain.pem;
    ssl_certificate_key $work/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:SSL:10m;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;
    location / { return 200 "ok\n"; }
  }
}
CONF
mkdir -p tmp
nginx -p "$work" -c "$work/nginx.conf"
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$https_port") 2>/dev/null && break; sleep 0.1; done

config() { # config FILE LABELS...
  local file=$1; shift
  {
    printf '[scope]\nhosts = ["127.0.0.1", "bench.test", "*.bench.test"]\nrequests_per_host = 500\n\n[tls]\n'
    printf '[[tls.targets]]\nname = "bench"\nhost = "bench.test"\naddresses = ["127.0.0.1"]\nport = %s\nhttp_port = %s\nca_file = "root.pem"\n' "$https_port" "$http_port"
    if [ $# -gt 0 ]; then
      printf 'tenant_wildcard = "*.bench.test"\ntenant_labels = [%s]\n' "$(printf '"t%s",' "$@" | sed 's/,$//')"
    fi
  } >"$file"
}
config one.toml
config ten.toml $(seq 9)
config fifty.toml $(seq 49)
config hundred.toml $(seq 99)

# wall LABEL RUNS CMD...: median wall seconds over RUNS runs (exit status ignored: these tools
# exit non-zero when they find something).
wall() {
  local label=$1 n=$2; shift 2
  local times=()
  for _ in $(seq "$n"); do
    local start end
    start=$(date +%s%N)
    "$@" >"$work/out.$label" 2>&1 || true
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$n" '{a[NR]=$1} END {printf "%.3f\n", a[int((n+1)/2)]/1e6}'
}

# What each launchguard run concluded: every (check, host) pair, and which failed or could not run.
summarize() {
  if [ ! -f "$work/report/launchguard-report.json" ]; then
    echo "bench-tls: launchguard wrote no report:" >&2
    cat "$work"/out.lg* >&2
    exit 1
  fi
  python3 - "$work/report/launchguard-report.json" "$1" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
hosts = {f["target"]["id"] for f in report["findings"]}
bad = [(f["check"], f["status"], f["message"]) for f in report["findings"] if f["status"] in ("fail", "error")]
errors = sum(1 for b in bad if b[1] == "error")
print(f"  launchguard, {sys.argv[2]}: {len(report['findings'])} findings on {len(hosts)} hosts; "
      f"{len(bad) - errors} fail, {errors} error")
for check, status, message in sorted(set(bad))[:4]:
    print(f"    {status} {check}: {message}")
PY
}
lg_audit() { rm -f "$work/report/launchguard-report.json"; "$lg" audit --config "$1" --only tls --quiet --format json --output-dir "$work/report" --allow-errors; }
lg_one=$(wall lg "$runs" lg_audit one.toml)
summarize "1 host"
sslscan_one=$(wall sslscan "$runs" sslscan --no-colour --sni-name=bench.test "127.0.0.1:$https_port")
sslyze_one=$(wall sslyze "$runs" "$root_dir/$venv/bin/sslyze" --certinfo_ca_file root.pem "bench.test:$https_port{127.0.0.1}")
testssl_one=$(NXCONNECT=127.0.0.1:0 wall testssl 1 testssl --quiet --color 0 --ip=127.0.0.1 --nodns=none \
  --warnings off --add-ca root.pem "bench.test:$https_port")
lg_ten=$(wall lg10 3 lg_audit ten.toml)
lg_fifty=$(wall lg50 3 lg_audit fifty.toml)
lg_hundred=$(wall lg100 3 lg_audit hundred.toml)
summarize "100 hosts"

python3 - "$lg_one" "$sslscan_one" "$sslyze_one" "$testssl_one" "$lg_ten" "$lg_fifty" "$lg_hundred" "$(nproc)" <<'PY'
import sys
lg, sslscan, sslyze, testssl, ten, fifty, hundred = map(float, sys.argv[1:8])
cores = sys.argv[8]
print(f"\nTLS benchmark, one nginx on 127.0.0.1 ({cores} cores), median wall time per run")
print(f"  launchguard (all 34 TLS checks, 1 host)   {lg:8.3f} s   goal < 0.3 s")
print(f"  sslscan (protocols and suites only)       {sslscan:8.3f} s   launchguard / sslscan = {lg / sslscan:.2f}x (goal <= 1.5x)")
print(f"  sslyze (default scan)                     {sslyze:8.3f} s   launchguard / sslyze  = {lg / sslyze:.2f}x (goal < 0.5x)")
print(f"  testssl.sh (default run, 1 run)           {testssl:8.3f} s   testssl.sh / launchguard = {testssl / lg:.0f}x faster (goal > 100x)")
print(f"  launchguard, 10 hostnames                 {ten:8.3f} s   {ten / 10 * 1000:.1f} ms per host")
print(f"  launchguard, 50 hostnames                 {fifty:8.3f} s   {fifty / 50 * 1000:.1f} ms per host")
print(f"  launchguard, 100 hostnames                {hundred:8.3f} s   {hundred / 100 * 1000:.1f} ms per host (goal < 15 s in all)")
PY

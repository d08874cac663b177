# Shared by the benchmark scripts (sourced, not run). The sourcing script sets `root` (the project folder) and
# `work_name`, then calls `bench_init`; it may set `nginx_pid` for the EXIT trap to stop.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
warn() { log "WARNING: $*"; problems+=("$*"); }
problems=()

stop_pid() { # PID NAME: TERM, wait up to 20 s, then KILL
  local pid="$1" name="$2" i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop on TERM; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() { # the EXIT trap: stop the servers by PID, show Forge's last log lines on failure, remove the work dir
  local rc=$?
  trap - EXIT
  set +e
  stop_pid "${nginx_pid:-}" nginx
  stop_pid "${forge_pid:-}" forge
  if [ "$rc" -ne 0 ] && [ -f "$work/forge.log" ]; then
    log "last lines of the Forge log:"
    tail -n 30 "$work/forge.log" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}

bench_init() { # creates the work dir ($work) and installs the traps
  work="$(mktemp -d "${TMPDIR:-/tmp}/${work_name}.XXXXXX")"
  forge_pid=""
  nginx_pid=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
}

free_port() { # a TCP port nobody listens on
  local p _
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ]; then echo "$p"; return 0; fi
  done
  return 1
}

cpu_ticks() { # utime+stime of PID in clock ticks (fields 14, 15 of /proc/PID/stat; comm may contain spaces)
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}

median() { # numbers on stdin -> median
  sort -g | awk '{v[NR] = $1} END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

start_forge() { # builds if needed, starts Forge over $work/data on a free port, creates admin/bench
  # sets forge_pid, forge_port, forge_base, token
  local start_s _
  log "building Forge if the sources changed (./forge --version)"
  "$root/forge" --version >/dev/null || die "the build failed (see the compiler output above)"
  log "starting Forge"
  start_s=$(date +%s)
  mkdir -p "$work/data"
  # rate limits off: the benchmarks measure serving, not the limiter (with them on, a fast client gets 429s)
  FORGE_ACCESS_LOG="${FORGE_ACCESS_LOG:-WARN}" FORGE_API_REQUESTS_PER_MINUTE=0 FORGE_RESOLVE_REQUESTS_PER_MINUTE=0 "$root/forge" serve --port 0 --data "$work/data" >"$work/forge.log" 2>&1 &
  forge_pid=$!
  for _ in $(seq 1 1500); do
    grep -q 'Forge is serving' "$work/forge.log" 2>/dev/null && break
    kill -0 "$forge_pid" 2>/dev/null || die "Forge exited during start-up"
    sleep 0.2
  done
  grep -q 'Forge is serving' "$work/forge.log" || die "Forge did not start within 300 s"
  forge_port="$(sed -n 's/.*(listening on [^)]*:\([0-9][0-9]*\)).*/\1/p' "$work/forge.log" | head -n 1)"
  token="$(grep -o 'hf_[A-Za-z0-9]\+' "$work/forge.log" | head -n 1 || true)"
  [ -n "$forge_port" ] || die "could not read Forge's port from its output"
  [ -n "$token" ] || die "could not read the admin token from Forge's output"
  forge_base="http://127.0.0.1:$forge_port"
  if grep -q 'forge: building' "$work/forge.log"; then
    warn "the sources changed while the benchmark started: './forge serve' rebuilt them (someone is editing src/ or pom.xml)"
  fi
  log "Forge pid $forge_pid on $forge_base, up after $(( $(date +%s) - start_s ))s"
  log "creating admin/bench"
  curl -sS -f -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"bench","organization":"admin","type":"model"}' "$forge_base/api/repos/create" >"$work/create.json" \
    || die "repo creation failed: $(cat "$work/create.json" 2>/dev/null)"
}

launch_nginx() { # DIR HTTP: writes DIR/nginx.conf (1 worker, error log and temp dirs under DIR, the http block's
  # contents HTTP) and starts nginx, not daemonized, in the background; sets launched_nginx_pid. Needs $NGINX.
  local user=""
  if [ "$(id -u)" = 0 ]; then user="user root root;"; fi   # stored files are mode 600; workers would run as nobody
  cat >"$1/nginx.conf" <<EOF
$user
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
$2
}
EOF
  "$NGINX" -p "$1/" -c "$1/nginx.conf" -e "$1/error.log" -g 'daemon off;' >"$1/stdout.log" 2>&1 &
  launched_nginx_pid=$!
}

start_nginx() { # FILE NAME: nginx (1 worker, sendfile on, tcp_nopush on, access_log off) serving FILE as /NAME
  # (a hard link when it can be, so both servers read the same page-cache pages); sets ngx, nginx_pid,
  # nginx_port, nginx_url, nginx_worker. Needs $NGINX (the binary).
  local _
  ngx="$work/nginx"
  mkdir -p "$ngx/www"
  ln "$1" "$ngx/www/$2" 2>/dev/null || cp "$1" "$ngx/www/$2"
  nginx_port="$(free_port)" || die "no free port for nginx"
  log "starting nginx on 127.0.0.1:$nginx_port"
  launch_nginx "$ngx" "    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;   # wrk keeps its connections open; Jetty does not cap requests per connection either
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$nginx_port;
        root $ngx/www;
    }"
  nginx_pid=$launched_nginx_pid
  nginx_url="http://127.0.0.1:$nginx_port/$2"
  for _ in $(seq 1 100); do
    curl -s -f -I -o /dev/null "$nginx_url" && break
    kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited: $(cat "$ngx/stdout.log" "$ngx/error.log" 2>/dev/null)"
    sleep 0.1
  done
  curl -s -f -I -o /dev/null "$nginx_url" || die "nginx does not answer on $nginx_url"
  nginx_worker="$(pgrep -P "$nginx_pid" | head -n 1)"
  [ -n "$nginx_worker" ] || die "no nginx worker process under pid $nginx_pid"
}

multipart_send() { # OBJ OID: sends the parts $work/parts/p00000, p00001, … to the part URLs of OBJ (one object of
  # an LFS batch answer offering the multipart transfer), PARALLEL at a time, then the completion POST; dies on any
  # failure. Writes the completion POST's seconds to $work/complete.t.
  local obj="$1" oid="$2" href nparts n etags body t0 t1
  href="$(jq -r '.actions.upload.href // empty' <<<"$obj")"
  [ -n "$href" ] || die "multipart: no upload action: $obj"
  nparts="$(jq -r '.actions.upload.header | keys | map(select(test("^[0-9]+$"))) | length' <<<"$obj")"
  [ "$nparts" = "$(ls "$work/parts" | wc -l)" ] || die "multipart: $nparts part URLs for $(ls "$work/parts" | wc -l) part files: $obj"
  rm -f "$work"/part-*.h
  # one line per part: NUMBER FILE URL (URLs hold no blanks or quotes)
  for n in $(seq 1 "$nparts"); do
    printf '%s %s %s\n' "$n" "$(printf '%s/parts/p%05d' "$work" $((n - 1)))" "$(jq -r --arg n "$n" '.actions.upload.header[$n]' <<<"$obj")"
  done | xargs -L 1 -P "$PARALLEL" sh -c 'curl -sS -f -o /dev/null -D "$0/part-$1.h" -T "$2" "$3"' "$work" \
    || die "multipart: a part upload failed"
  etags="$(for n in $(seq 1 "$nparts"); do
    awk 'tolower($1) == "etag:" {sub(/\r$/, ""); print substr($0, index($0, ":") + 2)}' "$work/part-$n.h"
  done | jq -R . | jq -cs .)"
  [ "$(jq length <<<"$etags")" = "$nparts" ] || die "multipart: missing ETags: $etags"
  body="$(jq -cn --arg oid "$oid" --argjson e "$etags" '{oid: $oid, parts: [$e | to_entries[] | {partNumber: (.key + 1), etag: .value}]}')"
  t0=$(date +%s%N)
  curl -sS -f -o "$work/complete.out" -X POST -H 'Content-Type: application/vnd.git-lfs+json' \
    -H 'Accept: application/vnd.git-lfs+json' --data-binary "$body" "$href" \
    || die "multipart: the completion failed: $(cat "$work/complete.out" 2>/dev/null)"
  t1=$(date +%s%N)
  awk -v ns=$((t1 - t0)) 'BEGIN {printf "%.2f\n", ns / 1e9}' >"$work/complete.t"
}

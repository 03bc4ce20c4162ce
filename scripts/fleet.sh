#!/usr/bin/env bash
# scripts/fleet.sh — `make up` / `make down`: the gateway and the four services as separate
# processes on the real engines of scripts/infra.sh, everything on 127.0.0.1.
#
#   scripts/fleet.sh up      start the engines (scripts/infra.sh up, then Prometheus with
#                            scripts/infra.sh start prometheus unless
#                            CARTWHEEL_FLEET_PROMETHEUS=off), build bin/{user,product,
#                            order,payment,gateway}, create the four schemas if missing, migrate
#                            each, start every binary that is not running (one that was rebuilt,
#                            or whose environment below differs, since it started is restarted),
#                            then wait until every binary's admin /readyz answers 200. Running
#                            it twice leaves one of each.
#   scripts/fleet.sh down    stop exactly the binaries `up` started (PID files: TERM, wait, KILL),
#                            then the engines (scripts/infra.sh down); fail if any port of the
#                            fleet (public and admin) or the engines (Jaeger's too) is still
#                            listening
#   scripts/fleet.sh status  each binary with its admin listener and /readyz, and each engine,
#                            up or down (exit 1 if any is down or not ready; Prometheus is
#                            listed but does not count)
# One binary at a time (the fault scenarios of `make chaos`; the engines must be up):
#   scripts/fleet.sh kill NAME     kill -9 the binary (its recorded PID), wait until it is gone
#   scripts/fleet.sh start NAME    start it if it is not running, wait for its /readyz
#   scripts/fleet.sh stop NAME     stop it gracefully (TERM: readiness off, deregister, drain),
#                                  and its surge instance if an interrupted restart left one
#   scripts/fleet.sh restart NAME  a rolling restart without a gap, as Kubernetes does with
#                            maxSurge 1: a second instance on the surge ports (public and
#                            admin port + 100) until ready and listed in Nacos (then
#                            CARTWHEEL_FLEET_MIN_READY seconds, default 3), the first stopped
#                            gracefully and started again the same way, then the surge
#                            instance stopped gracefully
#
# Binaries and ports (the same as `make run`, so the README's curl journey works as is), and
# each binary's admin listener (<PREFIX>ADMIN_ADDR: /healthz, /readyz, /metrics, /debug/pprof/):
#   gateway 127.0.0.1:8080 admin 127.0.0.1:9880   user    127.0.0.1:8881 admin 127.0.0.1:9881
#   product 127.0.0.1:8882 admin 127.0.0.1:9882   order   127.0.0.1:8883 admin 127.0.0.1:9883
#   payment 127.0.0.1:8884 admin 127.0.0.1:9884
# Traces go to the Jaeger of scripts/infra.sh (OTLP over HTTP, every request sampled):
#   OTEL_EXPORTER_OTLP_ENDPOINT=$CARTWHEEL_JAEGER_OTLP OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
#   OTEL_SERVICE_NAME=<name> OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=1
# The caller's own OTEL_* variables (but OTEL_SERVICE_NAME) override these for every binary,
# e.g. OTEL_TRACES_SAMPLER_ARG=0.1 make up, or OTEL_EXPORTER_OTLP_ENDPOINT= make up for none.
# Each runs with DB_DRIVER=mysql on its own schema (cartwheel_<name>, utf8mb4_bin), Nacos
# for discovery, RocketMQ for messages, Redis for the product cache and the gateway's rate
# limits, and the development demo seed (catalog and admin account). Every variable a
# binary reads can be overridden from the caller's environment (e.g. ORDER_PAYMENT_TIMEOUT=2m
# make up); variables of other prefixes are not passed on.
#
# State under .cache/fleet/ (git-ignored): <name>.log (the binary's JSON log, appended),
# <name>.pid, <name>.env (the environment it was started with, but PATH: `up` restarts it
# when that changes, e.g. from make up to make bench-up's settings), and <name>/ (its
# working directory and the Nacos SDK's log and cache).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.cache/fleet"
bindir="$root/bin"
infra="$root/scripts/infra.sh"

readonly SERVICES=(user product order payment)
readonly BINARIES=("${SERVICES[@]}" gateway)
declare -rA PORT=([gateway]=8080 [user]=8881 [product]=8882 [order]=8883 [payment]=8884)
declare -rA ADMIN_PORT=([gateway]=9880 [user]=9881 [product]=9882 [order]=9883 [payment]=9884)
# What scripts/infra.sh starts: MariaDB, Redis, RocketMQ name server and broker (3), Nacos (2),
# Jaeger (OTLP gRPC, OTLP HTTP, query HTTP, query gRPC), Prometheus.
readonly ENGINE_PORTS=(13306 16379 9876 10909 10911 10912 8848 9848 4317 4318 16686 16685 9090)
readonly PROMETHEUS_URL="http://127.0.0.1:9090"
readonly GATEWAY_URL="http://127.0.0.1:${PORT[gateway]}"
# A second instance of a binary during `restart` (slot "surge") listens 100 ports higher.
readonly SURGE_OFFSET=100
readonly READY_TIMEOUT=120 # seconds for every /readyz after the binaries start
readonly STOP_TIMEOUT=30   # seconds between TERM and KILL (a service drains 7 s in Nacos)

log() { printf '[fleet %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# tail_logs NAME...: the last lines of each binary's log, for a failure report.
tail_logs() {
  local name f
  for name in "$@"; do
    f="$state/$name.log"
    if [ -s "$f" ]; then
      printf -- '----- last lines of %s -----\n' "$f" >&2
      tail -n 15 "$f" >&2
    fi
  done
}

# ours NAME PID: the process is alive and is the binary we start for NAME (its argv[0] is
# our bin/NAME), so a recycled PID is never taken for ours.
ours() {
  local name=$1 pid=$2 argv0
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1) || return 1
  [ "$argv0" = "$bindir/$name" ]
}

# instance NAME [SLOT]: the instance's name for its PID file and folder: NAME in the home
# slot, NAME-surge in the surge slot.
instance() { if [ "${2:-home}" = surge ]; then printf '%s-surge\n' "$1"; else printf '%s\n' "$1"; fi; }

# port_of NAME SLOT / admin_port_of NAME SLOT: the instance's public and admin ports.
port_of() { if [ "$2" = surge ]; then echo $((PORT[$1] + SURGE_OFFSET)); else echo "${PORT[$1]}"; fi; }
admin_port_of() { if [ "$2" = surge ]; then echo $((ADMIN_PORT[$1] + SURGE_OFFSET)); else echo "${ADMIN_PORT[$1]}"; fi; }

# pid_of NAME [SLOT]: prints the recorded PID when that process is running and ours.
pid_of() {
  local pidfile pid
  pidfile="$state/$(instance "$1" "${2:-home}").pid"
  [ -s "$pidfile" ] || return 1
  pid=$(<"$pidfile")
  ours "$1" "$pid" || return 1
  printf '%s\n' "$pid"
}

# ---------------------------------------------------------------------------------------
# Environment of each binary

# engine_env loads what scripts/infra.sh env exports (CARTWHEEL_*).
engine_env() {
  local out v
  out=$("$infra" env) || die "scripts/infra.sh env failed"
  eval "$out"
  for v in CARTWHEEL_MYSQL_DSN CARTWHEEL_REDIS_ADDR CARTWHEEL_ROCKETMQ_NAMESRV \
    CARTWHEEL_ROCKETMQ_DELAY_LEVELS CARTWHEEL_NACOS_ADDR CARTWHEEL_JAEGER_OTLP; do
    [ -n "${!v:-}" ] || die "scripts/infra.sh env did not set $v"
  done
}

# binary_env NAME [SLOT]: the NAME=VALUE lines the binary runs with, one per line. The
# caller's own variables of the binary's prefix, and OTEL_* but OTEL_SERVICE_NAME, come
# last, so they win (env keeps the last of two assignments); the surge slot's addresses
# come after those.
binary_env() {
  local name=$1 slot=${2:-home} p dir v
  p="${name^^}_"
  dir="$state/$(instance "$name" "$slot")"
  printf '%s\n' "PATH=$PATH" "HOME=$dir" \
    "${p}ADDR=127.0.0.1:${PORT[$name]}" \
    "${p}ADMIN_ADDR=127.0.0.1:${ADMIN_PORT[$name]}" \
    "OTEL_EXPORTER_OTLP_ENDPOINT=$CARTWHEEL_JAEGER_OTLP" \
    "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf" \
    "OTEL_SERVICE_NAME=$name" \
    "OTEL_TRACES_SAMPLER=parentbased_traceidratio" \
    "OTEL_TRACES_SAMPLER_ARG=1" \
    "${p}REGISTRY_DRIVER=nacos" \
    "${p}REGISTRY_NACOS_ADDR=$CARTWHEEL_NACOS_ADDR" \
    "${p}REGISTRY_NACOS_LOG_DIR=$dir/nacos-log" \
    "${p}REGISTRY_NACOS_CACHE_DIR=$dir/nacos-cache"
  case $name in
    gateway)
      printf '%s\n' "${p}RATE_DRIVER=redis" "${p}REDIS_ADDR=$CARTWHEEL_REDIS_ADDR"
      ;;
    *)
      printf '%s\n' "${p}DB_DRIVER=mysql" \
        "${p}DB_DSN=${CARTWHEEL_MYSQL_DSN}cartwheel_$name?parseTime=true&loc=UTC"
      ;;
  esac
  case $name in
    product | order | payment)
      printf '%s\n' "${p}MQ_DRIVER=rocketmq" \
        "${p}MQ_ROCKETMQ_NAMESRV=$CARTWHEEL_ROCKETMQ_NAMESRV" \
        "${p}MQ_ROCKETMQ_DELAY_LEVELS=$CARTWHEEL_ROCKETMQ_DELAY_LEVELS" \
        "${p}MQ_ROCKETMQ_INSTANCE_PREFIX=fleet"
      ;;
  esac
  case $name in
    product) printf '%s\n' "${p}SEED_DEMO=true" "${p}CACHE_DRIVER=redis" "${p}REDIS_ADDR=$CARTWHEEL_REDIS_ADDR" ;;
    payment) printf '%s\n' "${p}WEBHOOK_URL=$GATEWAY_URL/api/v1/payments/webhook" "${p}CHECKOUT_BASE_URL=$GATEWAY_URL" ;;
  esac
  while IFS= read -r v; do
    printf '%s\n' "$v=${!v}"
  done < <(compgen -e | grep -E "^($p|OTEL_)" | grep -v '^OTEL_SERVICE_NAME$' || true)
  if [ "$slot" = surge ]; then
    printf '%s\n' "${p}ADDR=127.0.0.1:$(port_of "$name" surge)" \
      "${p}ADMIN_ADDR=127.0.0.1:$(admin_port_of "$name" surge)"
  fi
}

# run_binary NAME ARGS...: runs bin/NAME in the foreground with its environment only.
run_binary() {
  local name=$1 vars
  shift
  mapfile -t vars < <(binary_env "$name")
  (cd "$state/$name" && exec env -i "${vars[@]}" "$bindir/$name" "$@") </dev/null 9>&-
}

# ---------------------------------------------------------------------------------------
# up

build() {
  local t0=$SECONDS name
  mkdir -p "$bindir"
  for name in "${SERVICES[@]}"; do
    (cd "$root/services/$name" && go build -o "$bindir/$name" "./cmd/$name") || die "go build $name failed"
  done
  (cd "$root/gateway" && go build -o "$bindir/gateway" ./cmd/gateway) || die "go build gateway failed"
  log "built bin/{${BINARIES[*]}} ($((SECONDS - t0))s)"
}

# create_schemas: one schema per service that compares keys like SQLite does
# (docs/decisions.md). infra.sh may already have made them with another collation; an
# empty schema is switched to utf8mb4_bin, one holding tables is reported and kept.
create_schemas() {
  local name db sql="" row
  for name in "${SERVICES[@]}"; do
    db="cartwheel_$name"
    sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"$'\n'
  done
  "$infra" mysql <<<"$sql" || die "creating the schemas failed"
  while IFS=$'\t' read -r db row; do
    [ -n "$db" ] || continue
    if [ "${row%% *}" = 0 ]; then
      "$infra" mysql -e "ALTER DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" ||
        die "ALTER DATABASE $db failed"
      log "schema $db: collation set to utf8mb4_bin"
    else
      log "warning: schema $db has tables and collation ${row#* }, not utf8mb4_bin (drop it to start over)"
    fi
  done < <("$infra" mysql -N -B -e "SELECT s.SCHEMA_NAME,
      CONCAT((SELECT COUNT(*) FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = s.SCHEMA_NAME), ' ', s.DEFAULT_COLLATION_NAME)
    FROM information_schema.SCHEMATA s
    WHERE s.SCHEMA_NAME IN ('cartwheel_user', 'cartwheel_product', 'cartwheel_order', 'cartwheel_payment')
      AND s.DEFAULT_COLLATION_NAME <> 'utf8mb4_bin'")
}

migrate() {
  local name
  for name in "${SERVICES[@]}"; do
    printf '\n----- %s: %s migrate -----\n' "$(date -u +%FT%TZ)" "$name" >>"$state/$name.log"
    if ! run_binary "$name" migrate >>"$state/$name.log" 2>&1; then
      tail_logs "$name"
      die "$name migrate failed"
    fi
  done
  log "schemas cartwheel_{${SERVICES[*]}} migrated"
}

# settings VAR=VALUE...: the environment as start records and compares it: sorted, without
# PATH (a shell's PATH is no setting of the shop).
settings() { printf '%s\n' "$@" | grep -v '^PATH=' | LC_ALL=C sort; }

# start NAME [SLOT]: starts the binary unless it is running already; one whose file was
# replaced by a newer build, or that was started with another environment, is restarted
# so `up` after a change runs the change.
start() {
  local name=$1 slot=${2:-home} pid vars inst port admin
  inst=$(instance "$name" "$slot")
  port=$(port_of "$name" "$slot")
  admin=$(admin_port_of "$name" "$slot")
  mapfile -t vars < <(binary_env "$name" "$slot")
  if pid=$(pid_of "$name" "$slot"); then
    if [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == *" (deleted)" ]]; then
      log "$inst: rebuilt since pid $pid started; restarting it"
    elif [ "$(settings "${vars[@]}")" != "$(cat "$state/$inst.env" 2>/dev/null)" ]; then
      log "$inst: its environment changed since pid $pid started; restarting it"
    else
      log "$inst: already running (pid $pid)"
      return 0
    fi
    stop "$name" "$slot"
  fi
  rm -f "$state/$inst.pid"
  ports_free "$port" "$admin" ||
    die "a port of $inst ($port, admin $admin) is taken by a process fleet.sh did not start (make run?); stop it first"
  mkdir -p "$state/$inst"
  # It holds the database password, like .cache/infra/mariadb/cartwheel.password.
  (umask 077 && settings "${vars[@]}" >"$state/$inst.env")
  printf '\n----- %s: starting %s -----\n' "$(date -u +%FT%TZ)" "$inst" >>"$state/$name.log"
  (cd "$state/$inst" && exec nohup env -i "${vars[@]}" "$bindir/$name") \
    </dev/null >>"$state/$name.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$state/$inst.pid"
  # Until the subshell has exec'd the binary, the PID does not look like ours yet.
  local deadline=$((SECONDS + 10))
  until ours "$name" "$pid"; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      tail_logs "$name"
      die "$name did not start (log .cache/fleet/$name.log)"
    fi
    sleep 0.05
  done
  log "$inst: started on 127.0.0.1:$port, admin 127.0.0.1:$admin (pid $pid, log .cache/fleet/$name.log)"
}

admin_url() { printf 'http://127.0.0.1:%s\n' "${ADMIN_PORT[$1]}"; }

# ready NAME: the binary's admin /readyz answers 200 (its database, broker and registry
# are reachable and it is not draining).
ready() { http_ok "$(admin_url "$1")/readyz"; }

# wait_ready: until every binary is ready; fails at once when one exits.
wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) name waiting
  while :; do
    waiting=()
    for name in "${BINARIES[@]}"; do
      if ! pid_of "$name" >/dev/null; then
        tail_logs "${BINARIES[@]}"
        die "$name exited during start-up (log .cache/fleet/$name.log)"
      fi
      ready "$name" || waiting+=("$name")
    done
    [ ${#waiting[@]} -gt 0 ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      for name in "${waiting[@]}"; do
        printf '%s %s/readyz: ' "$name" "$(admin_url "$name")" >&2
        curl -s --max-time 2 "$(admin_url "$name")/readyz" >&2 || true
        echo >&2
      done
      tail_logs "${waiting[@]}"
      die "not ready within ${READY_TIMEOUT}s: ${waiting[*]}"
    fi
    sleep 0.5
  done
}

cmd_up() {
  local t0=$SECONDS name
  command -v go >/dev/null || die "go is missing"
  lock
  "$infra" up >&2 || die "scripts/infra.sh up failed"
  # Prometheus is for people looking at make up's fleet. The chaos run (also part of the
  # integration pass) sets CARTWHEEL_FLEET_PROMETHEUS=off: no test needs it, and its first
  # build takes minutes.
  if [ "${CARTWHEEL_FLEET_PROMETHEUS:-on}" != off ]; then
    "$infra" start prometheus >&2 || die "scripts/infra.sh start prometheus failed"
  fi
  engine_env
  build
  for name in "${BINARIES[@]}"; do mkdir -p "$state/$name"; done
  create_schemas
  migrate
  for name in "${BINARIES[@]}"; do start "$name"; done
  wait_ready
  log "fleet ready in $((SECONDS - t0))s"
  cat <<EOF

Cartwheel (the real fleet) is running at $GATEWAY_URL   (API docs: $GATEWAY_URL/docs)
  gateway and user, product, order, payment as separate processes on MariaDB, Redis,
  RocketMQ and Nacos; logs in .cache/fleet/<name>.log; scripts/fleet.sh status
  Admin listeners (/healthz /readyz /metrics /debug/pprof/): gateway $(admin_url gateway),
  user $(admin_url user), product $(admin_url product), order $(admin_url order), payment $(admin_url payment)
  Traces: Jaeger's trace viewer and query API at ${CARTWHEEL_JAEGER_QUERY:-http://127.0.0.1:16686}
  Metrics: Prometheus's HTTP API at $PROMETHEUS_URL, e.g. $PROMETHEUS_URL/api/v1/targets
  (README.md, "Seeing inside")
  The customer's journey with curl: README.md, "Walk through the shop with curl"
  (the same API on the same port as make run). make down stops it all.
EOF
}

# ---------------------------------------------------------------------------------------
# down

lock() {
  mkdir -p "$state"
  exec 9>"$state/.lock"
  flock -w 600 9 || die "another fleet.sh holds $state/.lock"
}

# stop NAME [SLOT]: TERM the recorded process, wait up to STOP_TIMEOUT, then KILL.
stop() {
  local name=$1 slot=${2:-home} pid inst
  inst=$(instance "$name" "$slot")
  if ! pid=$(pid_of "$name" "$slot"); then
    rm -f "$state/$inst.pid"
    return 0
  fi
  term_then_kill "$inst" "$pid" "$STOP_TIMEOUT"
  rm -f "$state/$inst.pid"
}

cmd_down() {
  local t0=$SECONDS name p busy="" pids=() left=""
  lock
  # Side by side: each service keeps serving for its Nacos drain (7 s) after withdrawing.
  for name in "${BINARIES[@]}"; do
    stop "$name" &
    pids+=($!)
    stop "$name" surge & # left by an interrupted `restart`
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  for name in "${BINARIES[@]}"; do
    if pid_of "$name" >/dev/null; then left+=" $name"; fi
    if pid_of "$name" surge >/dev/null; then left+=" $name-surge"; fi
  done
  [ -z "$left" ] || die "still running:$left"
  log "binaries stopped ($((SECONDS - t0))s)"
  "$infra" down >&2 || busy=1
  ports_free "${PORT[@]}" "${ADMIN_PORT[@]}" "${ENGINE_PORTS[@]}" || busy=1
  [ -z "$busy" ] || die "some ports of the fleet or the engines are still taken"
  log "all stopped in $((SECONDS - t0))s; ports ${PORT[*]} ${ADMIN_PORT[*]} ${ENGINE_PORTS[*]} are free"
}

# ---------------------------------------------------------------------------------------
# status

cmd_status() {
  local rc=0 name pid readyz
  for name in "${BINARIES[@]}"; do
    if pid=$(pid_of "$name"); then
      if ready "$name"; then readyz=ready; else readyz="NOT-READY" rc=1; fi
      printf '%-18s %-5s %-22s admin %-22s %-9s pid %s\n' "$name" up "127.0.0.1:${PORT[$name]}" \
        "$(admin_url "$name")" "$readyz" "$pid"
    else
      printf '%-18s %-5s %-22s admin %s\n' "$name" down "127.0.0.1:${PORT[$name]}" "$(admin_url "$name")"
      rc=1
    fi
  done
  "$infra" status || rc=1 # lists Prometheus without counting it
  return "$rc"
}

# ---------------------------------------------------------------------------------------
# One binary at a time

# wait_one_ready NAME SLOT: until the instance's /readyz answers 200; fails when it exits.
wait_one_ready() {
  local name=$1 slot=$2 deadline=$((SECONDS + READY_TIMEOUT)) url
  url="http://127.0.0.1:$(admin_port_of "$name" "$slot")/readyz"
  until http_ok "$url"; do
    if ! pid_of "$name" "$slot" >/dev/null; then
      tail_logs "$name"
      die "$(instance "$name" "$slot") exited during start-up (log .cache/fleet/$name.log)"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "$(instance "$name" "$slot") not ready within ${READY_TIMEOUT}s"
    sleep 0.2
  done
}

binary_or_die() {
  [[ " ${BINARIES[*]} " == *" ${1:-?} "* ]] || die "unknown binary '${1:-}' (one of ${BINARIES[*]})"
}

cmd_kill() {
  local name=$1 pid
  binary_or_die "$name"
  pid=$(pid_of "$name") || die "$name is not running"
  log "$name: kill -9 pid $pid"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$state/$name.pid"
}

cmd_start() {
  local t0=$SECONDS name=$1
  binary_or_die "$name"
  lock
  engine_env
  start "$name"
  wait_one_ready "$name" home
  log "$name: ready in $((SECONDS - t0))s"
}

cmd_stop() {
  binary_or_die "$1"
  lock
  stop "$1"
  stop "$1" surge # left by an interrupted restart
}

# MIN_READY: how long a new instance must have been ready and listed in Nacos before the
# old one is stopped (Kubernetes' minReadySeconds): callers learn of it by the Nacos push
# and their balancer's refresh (1 s), and the service's /readyz turns 200 before Kitex
# has registered it.
readonly MIN_READY=${CARTWHEEL_FLEET_MIN_READY:-3}

# listed NAME PORT: Nacos lists NAME's instance on PORT (the gateway is not registered).
listed() {
  [ "$1" = gateway ] && return 0
  curl -fsS --max-time 2 "http://${CARTWHEEL_NACOS_ADDR}/nacos/v1/ns/instance/list?serviceName=$1&groupName=CARTWHEEL" 2>/dev/null |
    grep -q "\"port\":$2[,}]"
}

# available NAME SLOT: ready, listed in Nacos, then MIN_READY seconds more.
available() {
  local name=$1 slot=$2 deadline=$((SECONDS + READY_TIMEOUT))
  wait_one_ready "$name" "$slot"
  until listed "$name" "$(port_of "$name" "$slot")"; do
    [ "$SECONDS" -lt "$deadline" ] || die "$(instance "$name" "$slot") is not listed in Nacos within ${READY_TIMEOUT}s"
    sleep 0.2
  done
  sleep "$MIN_READY"
}

cmd_restart() {
  local t0=$SECONDS name=$1
  binary_or_die "$name"
  lock
  engine_env
  pid_of "$name" >/dev/null || die "$name is not running"
  start "$name" surge
  available "$name" surge
  stop "$name"
  start "$name"
  available "$name" home
  stop "$name" surge
  log "$name: restarted without a gap in $((SECONDS - t0))s"
}

usage() {
  sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  kill | start | stop | restart)
    [ $# -eq 2 ] || usage
    "cmd_$1" "$2"
    ;;
  *) usage ;;
esac

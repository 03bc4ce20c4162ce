#!/usr/bin/env bash
# scripts/infra.sh — the real engines behind `make up`, on this machine, loopback only.
#
#   scripts/infra.sh up       install what is missing, start what is not running, wait until
#                             each engine answers (running twice is harmless); not Prometheus
#   scripts/infra.sh install  only the installs and builds (e.g. to warm a CI cache); not
#                             Prometheus
#   scripts/infra.sh down     stop exactly what `up` and `start` started (recorded PIDs: TERM,
#                             wait, KILL), then fail unless every port below is free
#   scripts/infra.sh status   each engine up/down with its address (exit 1 if any engine of
#                             `up` is down; Prometheus is listed but does not count)
#   scripts/infra.sh env      the variables the services and tests need, as export lines:
#                             eval "$(scripts/infra.sh env)"
#   scripts/infra.sh kill ENGINE   kill -9 one engine (its recorded PID) and wait until it is gone;
#                             ENGINE is mariadb, redis, namesrv, broker, nacos, jaeger or prometheus
#   scripts/infra.sh stop ENGINE   stop one engine (TERM, wait, KILL)
#   scripts/infra.sh start ENGINE  start one engine and wait until it answers (nacos, jaeger and
#                             prometheus are built first if missing); `make up` starts
#                             Prometheus this way
#   scripts/infra.sh mqadmin ARGS...   RocketMQ's admin tool, e.g. `mqadmin topicList -n 127.0.0.1:9876`
#   scripts/infra.sh mysql [ARGS...]   a MariaDB client as the instance's root (its socket)
#
# Engines and ports (all bound to 127.0.0.1; the dev fleet uses 8080 and 8881-8884):
#   MariaDB 10.11 (Debian)        127.0.0.1:13306   databases cartwheel_user, cartwheel_product,
#                                                   cartwheel_order, cartwheel_payment; user
#                                                   'cartwheel'@'127.0.0.1', ALL on *.*
#   Redis 7.0 (Debian)            127.0.0.1:16379   no persistence
#   RocketMQ 5.3.3 name server    127.0.0.1:9876    (Maven Central jars)
#   RocketMQ 5.3.3 broker         127.0.0.1:10911   (+10909 fast channel, +10912 HA), cluster
#                                                   DefaultCluster, broker broker-a, topics
#                                                   cartwheel_order, cartwheel_stock,
#                                                   cartwheel_payment
#   Nacos: rnacos 0.8.5 (crates.io) 127.0.0.1:8848 HTTP open API, 127.0.0.1:9848 gRPC (2.x
#                                                   SDKs), console off; namespace "public"
#   Jaeger v1.75.0 (Go module       127.0.0.1:4317    OTLP gRPC; 127.0.0.1:4318 OTLP HTTP;
#   proxy, tools/jaeger)            127.0.0.1:16686   query API and Cartwheel's trace viewer
#                                                   (deploy/infra/jaeger/ui; +16685 query
#                                                   gRPC); traces in memory only, at most 20000
#   Prometheus v0.316.0 (Go module  127.0.0.1:9090    scrapes the fleet's admin listeners
#   proxy, tools/prometheus)                          (deploy/observability/prometheus.yml);
#                                                   HTTP API only (the module has no web UI
#                                                   build); data kept 2 days. Started by
#                                                   `make up` (scripts/fleet.sh), not by `up`:
#                                                   the tests do not need it, and its first
#                                                   build takes 5-10 minutes
#
# Variables printed by `env`:
#   CARTWHEEL_MYSQL_DSN            base DSN, 'cartwheel:<password>@tcp(127.0.0.1:13306)/'; a
#                                  service appends its database and options
#   CARTWHEEL_TEST_MYSQL_DSN       the same base, for tests (the user may CREATE/DROP DATABASE)
#   CARTWHEEL_REDIS_ADDR           127.0.0.1:16379
#   CARTWHEEL_ROCKETMQ_NAMESRV     127.0.0.1:9876
#   CARTWHEEL_ROCKETMQ_DELAY_LEVELS the broker's delay level table, level 1 first
#   CARTWHEEL_NACOS_ADDR           127.0.0.1:8848 (gRPC on HTTP port + 1000, the SDK default)
#   CARTWHEEL_JAEGER_OTLP          http://127.0.0.1:4318, for OTEL_EXPORTER_OTLP_ENDPOINT
#                                  (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf)
#   CARTWHEEL_JAEGER_QUERY         http://127.0.0.1:16686, Jaeger's query API (/api/traces/<id>)
#                                  and the trace viewer (/search, /trace/<id>)
#
# All state lives under .cache/infra/ (git-ignored): <engine>/ holds its data, logs/ and
# run/ (PID files); downloads and builds are cached there too (RocketMQ jars, the rnacos,
# Jaeger and Prometheus binaries), so only the first `up` is slow. Config templates:
# deploy/infra/. CARTWHEEL_INFRA_SHARED_CACHE=<dir outside the checkout> (optional) also
# keeps the rnacos binary (the 10-20 minute build) and the Jaeger and Prometheus binaries
# there, for fresh clones on the same machine such as CI's.
# System services are never touched: each server runs from its own --defaults-file/config.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmpl="$root/deploy/infra"
state="$root/.cache/infra"

readonly MYSQL_PORT=13306
readonly REDIS_PORT=16379
readonly NAMESRV_PORT=9876
readonly BROKER_PORT=10911 # the broker also takes BROKER_PORT-2 and BROKER_PORT+1
readonly NACOS_HTTP_PORT=8848
readonly NACOS_GRPC_PORT=9848
readonly JAEGER_OTLP_GRPC_PORT=4317
readonly JAEGER_OTLP_HTTP_PORT=4318
readonly JAEGER_QUERY_PORT=16686
readonly JAEGER_QUERY_GRPC_PORT=16685
readonly JAEGER_PORTS=("$JAEGER_OTLP_GRPC_PORT" "$JAEGER_OTLP_HTTP_PORT" "$JAEGER_QUERY_PORT" "$JAEGER_QUERY_GRPC_PORT")
readonly JAEGER_MAX_TRACES=20000
readonly PROMETHEUS_PORT=9090
readonly RNACOS_VERSION=0.8.5
readonly ROCKETMQ_CLUSTER=DefaultCluster
readonly ROCKETMQ_BROKER=broker-a
readonly MYSQL_USER=cartwheel
readonly DATABASES=(cartwheel_user cartwheel_product cartwheel_order cartwheel_payment)
readonly TOPICS=(cartwheel_order cartwheel_stock cartwheel_payment)
readonly ALL_PORTS=("$MYSQL_PORT" "$REDIS_PORT" "$NAMESRV_PORT" "$((BROKER_PORT - 2))"
  "$BROKER_PORT" "$((BROKER_PORT + 1))" "$NACOS_HTTP_PORT" "$NACOS_GRPC_PORT" "${JAEGER_PORTS[@]}"
  "$PROMETHEUS_PORT")

mdb="$state/mariadb"
rds="$state/redis"
rmq="$state/rocketmq"
ncs="$state/nacos"
jgr="$state/jaeger"
prm="$state/prometheus"

log() { printf '[infra %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# fail_with_logs MESSAGE LOGFILE... prints the tail of each log that exists, then exits 1.
fail_with_logs() {
  local msg=$1 f
  shift
  for f in "$@"; do
    if [ -s "$f" ]; then
      printf -- '----- last lines of %s -----\n' "$f" >&2
      grep -v '|-INFO\||-WARN' "$f" | tail -n 40 >&2 || true
    fi
  done
  die "$msg"
}

# render TEMPLATE OUT NAME=VALUE... copies TEMPLATE to OUT with every @NAME@ replaced.
render() {
  local src=$1 out=$2 text kv
  shift 2
  text=$(<"$src")
  for kv in "$@"; do
    text=${text//@${kv%%=*}@/${kv#*=}}
  done
  if [[ $text == *@[A-Z_]*@* ]]; then
    die "unfilled placeholder in $src: $(grep -o '@[A-Z_]*@' <<<"$text" | sort -u | tr '\n' ' ')"
  fi
  printf '%s\n' "$text" >"$out.tmp"
  mv "$out.tmp" "$out"
}

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ours PID: the process is alive and is one of ours (its command line names our state
# directory or it runs from inside it), so a recycled PID is never taken for ours.
ours() {
  local pid=$1 cmd cwd
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || cwd=
  [[ $cmd == *"$state/"* || $cwd == "$state"/* ]]
}

# running PIDFILE: the recorded process is alive and ours.
running() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(<"$1")
  ours "$pid"
}

# wait_until SECONDS PIDFILE DESCRIPTION COMMAND...: polls COMMAND until it succeeds; gives
# up early when the process recorded in PIDFILE ("-" for none) has died.
wait_until() {
  local limit=$1 pidfile=$2 what=$3 deadline
  shift 3
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ "$pidfile" != - ] && ! running "$pidfile"; then
      log "$what: the process exited"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$what: no answer after ${limit}s"
      return 1
    fi
    sleep 0.5
  done
}

# port_free_or_die PORT NAME: before starting NAME, make sure nobody else holds its port.
port_free_or_die() {
  if listening "$1"; then
    ss -Hltnp "sport = :$1" >&2 || true
    die "port $1 (for $2) is taken by a process that infra.sh did not start; stop it or free the port"
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ---------------------------------------------------------------------------------------
# Installation (each step is skipped when its result is already there)

ensure_packages() {
  local pkgs=() policy=/usr/sbin/policy-rc.d made_policy=
  command -v mariadbd >/dev/null || command -v mysqld >/dev/null || pkgs+=(mariadb-server)
  command -v redis-server >/dev/null || pkgs+=(redis-server)
  command -v javac >/dev/null || pkgs+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || pkgs+=(maven)
  command -v ss >/dev/null || pkgs+=(iproute2)
  command -v curl >/dev/null || pkgs+=(curl)
  command -v flock >/dev/null || pkgs+=(util-linux)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  log "installing from Debian: ${pkgs[*]}"
  # Packages must not start their system services (mariadb on 3306, redis on 6379): a
  # policy-rc.d that says no stops the maintainer scripts from doing so. Docker-based
  # images already have one; otherwise use a temporary one.
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    made_policy=1
  fi
  local ok=1
  { as_root apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      -o DPkg::Lock::Timeout=300 "${pkgs[@]}"; } >"$state/apt.log" 2>&1 || ok=
  if [ -n "$made_policy" ]; then as_root rm -f "$policy"; fi
  [ -n "$ok" ] || fail_with_logs "apt-get install failed" "$state/apt.log"
  log "installed ${pkgs[*]}"
}

# RocketMQ: the jars of deploy/infra/rocketmq/pom.xml (namesrv, broker, tools and all their
# dependencies) in $rmq/lib, refreshed when the pom changes; plus LoopbackHAService in
# $rmq/ext.
ensure_rocketmq() {
  local pom="$tmpl/rocketmq/pom.xml" sum src="$tmpl/rocketmq/LoopbackHAService.java"
  sum=$(sha256sum "$pom" | cut -d' ' -f1)
  if [ "$(cat "$rmq/lib/.pom.sha256" 2>/dev/null)" != "$sum" ]; then
    log "rocketmq: fetching jars from Maven Central (pom $pom)"
    rm -rf "$rmq/lib.tmp"
    if ! mvn -B -q -f "$pom" -Dmaven.repo.local="$rmq/m2" \
      dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$rmq/lib.tmp" >"$rmq/logs/mvn.log" 2>&1; then
      fail_with_logs "mvn could not fetch the RocketMQ jars" "$rmq/logs/mvn.log"
    fi
    echo "$sum" >"$rmq/lib.tmp/.pom.sha256"
    rm -rf "${rmq:?}/lib" "${rmq:?}/ext"
    mv "$rmq/lib.tmp" "$rmq/lib"
    log "rocketmq: $(find "$rmq/lib" -name '*.jar' | wc -l) jars in $rmq/lib"
  fi
  if [ ! -f "$rmq/ext/cartwheel/infra/LoopbackHAService.class" ] ||
    [ "$src" -nt "$rmq/ext/cartwheel/infra/LoopbackHAService.class" ]; then
    rm -rf "$rmq/ext"
    mkdir -p "$rmq/ext/META-INF/service"
    javac -nowarn -d "$rmq/ext" -cp "$rmq/lib/*" "$src" >"$rmq/logs/javac.log" 2>&1 ||
      fail_with_logs "javac LoopbackHAService failed" "$rmq/logs/javac.log"
    echo cartwheel.infra.LoopbackHAService >"$rmq/ext/META-INF/service/org.apache.rocketmq.store.ha.HAService"
  fi
}

# rnacos: built once from crates.io into $ncs/bin (many minutes on 2 cores, at the lowest
# CPU priority). The target directory is kept until success, so an interrupted build resumes.
# With CARTWHEEL_INFRA_SHARED_CACHE set (a directory outside the checkout, e.g.
# ~/.cache/cartwheel-infra), the binary is also kept there and taken from there, so a fresh
# clone on the same machine (CI) does not build it again.
rnacos_ok() { [ -x "$1" ] && [ "$("$1" --version 2>/dev/null)" = "rnacos $RNACOS_VERSION" ]; }

ensure_rnacos() {
  local shared="${CARTWHEEL_INFRA_SHARED_CACHE:-}" t0=$SECONDS
  local copy="$shared/rnacos-$RNACOS_VERSION"
  if ! rnacos_ok "$ncs/bin/rnacos"; then
    if [ -n "$shared" ] && rnacos_ok "$copy"; then
      log "nacos: rnacos $RNACOS_VERSION from $copy"
      mkdir -p "$ncs/bin"
      cp "$copy" "$ncs/bin/rnacos.tmp" && mv "$ncs/bin/rnacos.tmp" "$ncs/bin/rnacos"
    else
      command -v cargo >/dev/null || die "cargo is missing (rustup's Rust toolchain is needed to build rnacos)"
      log "nacos: building rnacos $RNACOS_VERSION from crates.io (cargo install at nice 19: 10-20 minutes on 2 cores, once; log $ncs/logs/cargo-install.log)"
      if ! CARGO_TARGET_DIR="$ncs/build" nice -n 19 cargo install rnacos --locked \
        --version "$RNACOS_VERSION" --root "$ncs" >"$ncs/logs/cargo-install.log" 2>&1; then
        fail_with_logs "cargo install rnacos failed" "$ncs/logs/cargo-install.log"
      fi
      rm -rf "$ncs/build"
      log "nacos: rnacos built in $((SECONDS - t0))s"
    fi
  fi
  if [ -n "$shared" ] && ! rnacos_ok "$copy"; then
    mkdir -p "$shared"
    cp "$ncs/bin/rnacos" "$copy.tmp.$$" && mv "$copy.tmp.$$" "$copy"
    log "nacos: rnacos $RNACOS_VERSION kept in $copy"
  fi
}

# Jaeger and Prometheus: each built from the module proxy as the Go tool of tools/<name> (a
# module of its own, outside go.work, hence GOWORK=off) into $state/<name>/bin, again only
# when that module's go.mod or go.sum change. With CARTWHEEL_INFRA_SHARED_CACHE set, the
# binary is also kept there under the hash of those two files.
tool_sum() { cat "$root/tools/$1/go.mod" "$root/tools/$1/go.sum" | sha256sum | cut -c1-16; }

# ensure_go_tool NAME DIR HOW_LONG: DIR/bin/NAME is the build of tools/NAME; HOW_LONG says
# how long a first build takes, for the log.
ensure_go_tool() {
  local name=$1 dir=$2 how_long=$3 shared="${CARTWHEEL_INFRA_SHARED_CACHE:-}" t0=$SECONDS sum copy
  sum=$(tool_sum "$name")
  copy="$shared/$name-$sum"
  if ! [ -x "$dir/bin/$name" ] || [ "$(cat "$dir/bin/.sum" 2>/dev/null)" != "$sum" ]; then
    rm -rf "$dir/bin.tmp"
    mkdir -p "$dir/bin.tmp" "$dir/logs"
    if [ -n "$shared" ] && [ -x "$copy" ]; then
      log "$name: binary from $copy"
      cp "$copy" "$dir/bin.tmp/$name"
    else
      command -v go >/dev/null || die "go is missing (needed to build $name)"
      log "$name: building tools/$name ($how_long; log $dir/logs/build.log)"
      if ! (cd "$root/tools/$name" && GOWORK=off GOBIN="$dir/bin.tmp" \
        go install tool) >"$dir/logs/build.log" 2>&1; then
        fail_with_logs "building $name failed" "$dir/logs/build.log"
      fi
      [ -x "$dir/bin.tmp/$name" ] || fail_with_logs "go install tool made no $name binary" "$dir/logs/build.log"
      log "$name: built in $((SECONDS - t0))s"
    fi
    echo "$sum" >"$dir/bin.tmp/.sum"
    rm -rf "${dir:?}/bin"
    mv "$dir/bin.tmp" "$dir/bin"
  fi
  if [ -n "$shared" ] && ! [ -x "$copy" ]; then
    mkdir -p "$shared"
    cp "$dir/bin/$name" "$copy.tmp.$$" && mv "$copy.tmp.$$" "$copy"
    log "$name: binary kept in $copy"
  fi
}

ensure_jaeger() {
  ensure_go_tool jaeger "$jgr" "10-20 minutes on 2 busy cores with a cold Go cache, about 90 s warm"
}

ensure_prometheus() {
  ensure_go_tool prometheus "$prm" "5-10 minutes on 2 cores with a cold Go cache, seconds warm"
}

# ---------------------------------------------------------------------------------------
# MariaDB

mysql_socket() {
  local sock="$mdb/run/mysqld.sock"
  # A Unix socket path must fit in 108 bytes; a deep checkout gets one under /tmp instead.
  if [ ${#sock} -gt 100 ]; then
    sock="/tmp/cartwheel-infra.$(printf %s "$state" | cksum | cut -d' ' -f1)/mysqld.sock"
  fi
  printf '%s\n' "$sock"
}

mysql_password() {
  local f="$mdb/cartwheel.password"
  if [ ! -s "$f" ]; then
    mkdir -p "$mdb"
    (
      umask 077
      od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$f.tmp"
    )
    mv "$f.tmp" "$f"
  fi
  cat "$f"
}

root_mysql() { mariadb --defaults-file="$mdb/my.cnf" --user="$(id -un)" "$@"; }

start_mariadb() {
  local pidfile="$mdb/run/mariadbd.pid" sock
  if running "$pidfile"; then
    log "mariadb: already running (pid $(<"$pidfile"))"
  else
    rm -f "$pidfile"
    port_free_or_die "$MYSQL_PORT" mariadb
    sock=$(mysql_socket)
    mkdir -p "$mdb/data" "$mdb/tmp" "$(dirname "$sock")"
    render "$tmpl/mariadb/my.cnf.in" "$mdb/my.cnf" USER="$(id -un)" DATADIR="$mdb/data" \
      SOCKET="$sock" PIDFILE="$pidfile" LOGFILE="$mdb/logs/mariadbd.log" TMPDIR="$mdb/tmp" \
      PORT="$MYSQL_PORT"
    if [ ! -d "$mdb/data/mysql" ]; then
      log "mariadb: initialising $mdb/data"
      rm -rf "$mdb/data" && mkdir -p "$mdb/data"
      mariadb-install-db --defaults-file="$mdb/my.cnf" --skip-test-db \
        >"$mdb/logs/install-db.log" 2>&1 ||
        { rm -rf "$mdb/data"; fail_with_logs "mariadb-install-db failed" "$mdb/logs/install-db.log"; }
    fi
    log "mariadb: starting on 127.0.0.1:$MYSQL_PORT"
    local server
    server=$(command -v mariadbd || command -v mysqld)
    (cd "$mdb" && exec nohup "$server" --defaults-file="$mdb/my.cnf" >>"$mdb/logs/mariadbd.out" 2>&1) </dev/null 9>&- &
    # mariadbd writes the same PID there itself (and removes the file when it stops).
    echo $! >"$pidfile"
  fi
  wait_until 60 "$pidfile" "mariadb" root_mysql -e 'SELECT 1' ||
    fail_with_logs "mariadb does not answer" "$mdb/logs/mariadbd.log"
  local pw sql db
  pw=$(mysql_password)
  sql="CREATE USER IF NOT EXISTS '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_USER'@'127.0.0.1';"
  for db in "${DATABASES[@]}"; do
    sql+=$'\n'"CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
  done
  # On stdin, so the password does not show in the process list.
  root_mysql <<<"$sql" 2>"$mdb/logs/provision.log" ||
    fail_with_logs "mariadb: creating the databases and user failed" "$mdb/logs/provision.log"
  # The same check a service makes: the cartwheel user over TCP.
  MYSQL_PWD=$pw mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PORT" \
    -u "$MYSQL_USER" -e 'SELECT 1' >/dev/null 2>"$mdb/logs/provision.log" ||
    fail_with_logs "mariadb: the $MYSQL_USER user cannot log in over TCP" "$mdb/logs/provision.log"
}

# ---------------------------------------------------------------------------------------
# Redis

redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

start_redis() {
  local pidfile="$rds/run/redis.pid"
  if running "$pidfile"; then
    log "redis: already running (pid $(<"$pidfile"))"
  else
    rm -f "$pidfile"
    port_free_or_die "$REDIS_PORT" redis
    render "$tmpl/redis/redis.conf.in" "$rds/redis.conf" PORT="$REDIS_PORT" \
      PIDFILE="$pidfile" LOGFILE="$rds/logs/redis.log" DIR="$rds/data"
    mkdir -p "$rds/data"
    log "redis: starting on 127.0.0.1:$REDIS_PORT"
    (cd "$rds/data" && redis-server "$rds/redis.conf") >>"$rds/logs/redis.out" 2>&1 </dev/null 9>&- ||
      fail_with_logs "redis-server failed" "$rds/logs/redis.log" "$rds/logs/redis.out"
    wait_until 30 - "redis pid file" test -s "$pidfile" ||
      fail_with_logs "redis did not start" "$rds/logs/redis.log"
  fi
  wait_until 30 "$pidfile" redis redis_ping || fail_with_logs "redis does not answer" "$rds/logs/redis.log"
}

# ---------------------------------------------------------------------------------------
# RocketMQ

# JVM options shared by the name server, the broker and mqadmin: IPv4 only (clients and
# the broker advertise 127.0.0.1), logs and stores under $rmq/home, and the shaded
# logback's start-up status chatter silenced.
java_base() {
  printf '%s\n' -server -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.net.preferIPv4Stack=true \
    -Drocketmq.home.dir="$rmq/home" -Duser.home="$rmq/home" -Dfile.encoding=UTF-8 \
    -Dlogback.statusListenerClass=org.apache.rocketmq.logging.ch.qos.logback.core.status.NopStatusListener
}

mqadmin() {
  local opts
  mapfile -t opts < <(java_base)
  # Should the shaded logback still print its status lines on stdout, drop them.
  java "${opts[@]}" -Xms32m -Xmx128m -XX:TieredStopAtLevel=1 \
    -cp "$rmq/lib/*" org.apache.rocketmq.tools.command.MQAdminStartup "$@" 2>&1 |
    { grep -v '|-INFO\||-WARN' || true; }
}

cluster_has_broker() {
  local out
  out=$(mqadmin clusterList -n "127.0.0.1:$NAMESRV_PORT") || return 1
  [[ $out == *"127.0.0.1:$BROKER_PORT"* ]]
}

start_namesrv() {
  local pidfile="$rmq/run/namesrv.pid" opts
  if running "$pidfile"; then
    log "rocketmq namesrv: already running (pid $(<"$pidfile"))"
  else
    rm -f "$pidfile"
    port_free_or_die "$NAMESRV_PORT" "rocketmq namesrv"
    render "$tmpl/rocketmq/namesrv.conf.in" "$rmq/namesrv.conf" NAMESRV_PORT="$NAMESRV_PORT"
    mapfile -t opts < <(java_base)
    log "rocketmq namesrv: starting on 127.0.0.1:$NAMESRV_PORT"
    (cd "$rmq" && exec nohup java "${opts[@]}" -Xms128m -Xmx256m -XX:MaxDirectMemorySize=128m \
      -cp "$rmq/lib/*" org.apache.rocketmq.namesrv.NamesrvStartup -c "$rmq/namesrv.conf" \
      >"$rmq/logs/namesrv.out" 2>&1) </dev/null 9>&- &
    echo $! >"$pidfile"
  fi
  wait_until 90 "$pidfile" "rocketmq namesrv" listening "$NAMESRV_PORT" ||
    fail_with_logs "rocketmq namesrv did not start" "$rmq/logs/namesrv.out" "$rmq/home/logs/rocketmqlogs/namesrv.log"
}

start_broker() {
  local pidfile="$rmq/run/broker.pid" opts started="" p
  if running "$pidfile"; then
    log "rocketmq broker: already running (pid $(<"$pidfile"))"
  else
    rm -f "$pidfile"
    for p in "$((BROKER_PORT - 2))" "$BROKER_PORT" "$((BROKER_PORT + 1))"; do
      port_free_or_die "$p" "rocketmq broker"
    done
    mkdir -p "$rmq/store"
    render "$tmpl/rocketmq/broker.conf.in" "$rmq/broker.conf" CLUSTER="$ROCKETMQ_CLUSTER" \
      BROKER_NAME="$ROCKETMQ_BROKER" BROKER_PORT="$BROKER_PORT" NAMESRV_PORT="$NAMESRV_PORT" \
      STORE_DIR="$rmq/store"
    mapfile -t opts < <(java_base)
    log "rocketmq broker: starting on 127.0.0.1:$BROKER_PORT"
    (cd "$rmq" && exec nohup java "${opts[@]}" -Xms256m -Xmx512m -XX:MaxDirectMemorySize=256m \
      -cp "$rmq/ext:$rmq/lib/*" org.apache.rocketmq.broker.BrokerStartup -c "$rmq/broker.conf" \
      >"$rmq/logs/broker.out" 2>&1) </dev/null 9>&- &
    echo $! >"$pidfile"
    started=1
  fi
  local logs=("$rmq/logs/broker.out" "$rmq/home/logs/rocketmqlogs/broker.log")
  # "boot success" is printed after the broker has registered with the name server.
  if [ -n "$started" ]; then
    wait_until 120 "$pidfile" "rocketmq broker" grep -q 'boot success' "$rmq/logs/broker.out" ||
      fail_with_logs "rocketmq broker did not start" "${logs[@]}"
  fi
  wait_until 60 "$pidfile" "rocketmq broker" listening "$BROKER_PORT" ||
    fail_with_logs "rocketmq broker does not listen" "${logs[@]}"
  # What a client sees: the name server routes to the broker.
  wait_until 60 "$pidfile" "rocketmq broker registration" cluster_has_broker ||
    fail_with_logs "rocketmq broker is not registered with the name server" "${logs[@]}"
  # Topics: created when the broker's persisted topic table (store/config/topics.json)
  # lacks one, so a warm start skips this. Each mqadmin call is a JVM of a few seconds, so
  # they run side by side.
  local t missing=()
  for t in "${TOPICS[@]}"; do
    grep -qF "\"$t\"" "$rmq/store/config/topics.json" 2>/dev/null || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local pids=() failed="" topic_logs=()
    for t in "${missing[@]}"; do
      topic_logs+=("$rmq/logs/topic-$t.log")
      mqadmin updateTopic -n "127.0.0.1:$NAMESRV_PORT" -c "$ROCKETMQ_CLUSTER" -t "$t" -r 4 -w 4 \
        >"$rmq/logs/topic-$t.log" 2>&1 &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || failed=1; done
    for t in "${missing[@]}"; do
      grep -q success "$rmq/logs/topic-$t.log" || failed=1
    done
    [ -z "$failed" ] || fail_with_logs "rocketmq: creating topics failed" "${topic_logs[@]}"
    log "rocketmq: created topics ${missing[*]}"
  fi
}

# ---------------------------------------------------------------------------------------
# Nacos (rnacos)

nacos_ready() {
  curl -fsS --max-time 2 "http://127.0.0.1:$NACOS_HTTP_PORT/nacos/v1/ns/service/list?pageNo=1&pageSize=1" &&
    listening "$NACOS_GRPC_PORT"
}

start_nacos() {
  local pidfile="$ncs/run/rnacos.pid"
  if running "$pidfile"; then
    log "nacos: already running (pid $(<"$pidfile"))"
  else
    rm -f "$pidfile"
    port_free_or_die "$NACOS_HTTP_PORT" nacos
    port_free_or_die "$NACOS_GRPC_PORT" nacos
    mkdir -p "$ncs/data" "$ncs/home"
    render "$tmpl/nacos/rnacos.env.in" "$ncs/rnacos.env" HTTP_PORT="$NACOS_HTTP_PORT" \
      GRPC_PORT="$NACOS_GRPC_PORT" DATA_DIR="$ncs/data"
    log "nacos: starting rnacos on 127.0.0.1:$NACOS_HTTP_PORT (gRPC 127.0.0.1:$NACOS_GRPC_PORT)"
    (cd "$ncs" && exec nohup env -i PATH="$PATH" HOME="$ncs/home" "$ncs/bin/rnacos" \
      --env-file "$ncs/rnacos.env" >>"$ncs/logs/rnacos.log" 2>&1) </dev/null 9>&- &
    echo $! >"$pidfile"
  fi
  wait_until 60 "$pidfile" nacos nacos_ready || fail_with_logs "nacos does not answer" "$ncs/logs/rnacos.log"
}

# ---------------------------------------------------------------------------------------
# Jaeger

# jaeger_ready: the query API and the viewer's page answer and both OTLP receivers listen.
jaeger_ready() {
  http_ok "http://127.0.0.1:$JAEGER_QUERY_PORT/api/services" &&
    http_ok "http://127.0.0.1:$JAEGER_QUERY_PORT/static/viewer.js" &&
    listening "$JAEGER_OTLP_GRPC_PORT" && listening "$JAEGER_OTLP_HTTP_PORT"
}

start_jaeger() {
  local pidfile="$jgr/run/jaeger.pid" p
  if running "$pidfile"; then
    log "jaeger: already running (pid $(<"$pidfile"))"
  else
    rm -f "$pidfile"
    for p in "${JAEGER_PORTS[@]}"; do port_free_or_die "$p" jaeger; done
    render "$tmpl/jaeger/config.yaml.in" "$jgr/config.yaml" \
      OTLP_GRPC_PORT="$JAEGER_OTLP_GRPC_PORT" OTLP_HTTP_PORT="$JAEGER_OTLP_HTTP_PORT" \
      QUERY_PORT="$JAEGER_QUERY_PORT" QUERY_GRPC_PORT="$JAEGER_QUERY_GRPC_PORT" \
      MAX_TRACES="$JAEGER_MAX_TRACES" UI_DIR="$tmpl/jaeger/ui"
    log "jaeger: starting (OTLP 127.0.0.1:$JAEGER_OTLP_GRPC_PORT gRPC, 127.0.0.1:$JAEGER_OTLP_HTTP_PORT HTTP; query API and trace viewer http://127.0.0.1:$JAEGER_QUERY_PORT)"
    (cd "$jgr" && exec nohup env -i PATH="$PATH" HOME="$jgr" "$jgr/bin/jaeger" \
      --config "$jgr/config.yaml" >>"$jgr/logs/jaeger.log" 2>&1) </dev/null 9>&- &
    echo $! >"$pidfile"
  fi
  wait_until 60 "$pidfile" jaeger jaeger_ready || fail_with_logs "jaeger does not answer" "$jgr/logs/jaeger.log"
}

# ---------------------------------------------------------------------------------------
# Prometheus

prometheus_ready() { http_ok "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"; }

start_prometheus() {
  local pidfile="$prm/run/prometheus.pid"
  if running "$pidfile"; then
    log "prometheus: already running (pid $(<"$pidfile"))"
  else
    rm -f "$pidfile"
    port_free_or_die "$PROMETHEUS_PORT" prometheus
    mkdir -p "$prm/data"
    log "prometheus: starting on http://127.0.0.1:$PROMETHEUS_PORT (deploy/observability/prometheus.yml)"
    (cd "$prm" && exec nohup env -i PATH="$PATH" HOME="$prm" "$prm/bin/prometheus" \
      --config.file="$root/deploy/observability/prometheus.yml" \
      --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
      --storage.tsdb.path="$prm/data" --storage.tsdb.retention.time=2d \
      >>"$prm/logs/prometheus.log" 2>&1) </dev/null 9>&- &
    echo $! >"$pidfile"
  fi
  wait_until 60 "$pidfile" prometheus prometheus_ready ||
    fail_with_logs "prometheus does not answer" "$prm/logs/prometheus.log"
}

# ---------------------------------------------------------------------------------------
# Verbs

prepare() {
  mkdir -p "$state" "$mdb"/{logs,run} "$rds"/{logs,run} "$rmq"/{logs,run,home} "$ncs"/{logs,run} \
    "$jgr"/{logs,run} "$prm"/{logs,run}
  # Serialise concurrent runs. Every server is started with fd 9 closed, so the lock is
  # released when this script ends, not held by the servers it leaves running.
  exec 9>"$state/.lock"
  flock -w 3600 9 || die "another infra.sh holds $state/.lock"
}

cmd_install() {
  local t0=$SECONDS
  prepare
  ensure_packages
  ensure_rocketmq
  ensure_jaeger
  ensure_rnacos
  log "everything installed ($((SECONDS - t0))s)"
}

cmd_up() {
  local t0=$SECONDS
  prepare
  ensure_packages
  ensure_rocketmq
  ensure_jaeger
  start_mariadb
  start_redis
  start_namesrv
  start_broker
  start_jaeger
  # Last, so the other engines are already usable during rnacos's long first build.
  ensure_rnacos
  start_nacos
  log "all engines up in $((SECONDS - t0))s"
  cmd_status
}

# stop NAME PIDFILE SECONDS: TERM the recorded process, wait, then KILL.
stop() {
  local name=$1 pidfile=$2 limit=$3 pid
  if ! [ -s "$pidfile" ]; then
    return 0
  fi
  pid=$(<"$pidfile")
  if ! ours "$pid"; then
    log "$name: not running (stale pid file)"
    rm -f "$pidfile"
    return 0
  fi
  term_then_kill "$name" "$pid" "$limit"
  rm -f "$pidfile"
}

cmd_down() {
  mkdir -p "$state"
  exec 9>"$state/.lock"
  flock -w 600 9 || die "another infra.sh holds $state/.lock"
  # Side by side: the broker alone takes 10-30 s to shut down on a busy box.
  stop nacos "$ncs/run/rnacos.pid" 20 &
  stop "rocketmq broker" "$rmq/run/broker.pid" 60 &
  stop "rocketmq namesrv" "$rmq/run/namesrv.pid" 30 &
  stop redis "$rds/run/redis.pid" 20 &
  stop mariadb "$mdb/run/mariadbd.pid" 60 &
  stop jaeger "$jgr/run/jaeger.pid" 20 &
  stop prometheus "$prm/run/prometheus.pid" 30 &
  wait
  ports_free "${ALL_PORTS[@]}" || die "some ports are still taken"
  log "all stopped; ports ${ALL_PORTS[*]} are free"
}

# engine_status NAME PIDFILE ADDRESS PORT...: one line, up if the process is ours and alive
# and every port listens.
engine_status() {
  local name=$1 pidfile=$2 addr=$3 p
  shift 3
  if running "$pidfile"; then
    for p in "$@"; do
      if ! listening "$p"; then
        printf '%-18s %-5s %-22s pid %s, port %s not listening\n' "$name" down "$addr" "$(<"$pidfile")" "$p"
        return 1
      fi
    done
    printf '%-18s %-5s %-22s pid %s\n' "$name" up "$addr" "$(<"$pidfile")"
  else
    printf '%-18s %-5s %s\n' "$name" down "$addr"
    return 1
  fi
}

cmd_status() {
  local rc=0
  engine_status mariadb "$mdb/run/mariadbd.pid" "127.0.0.1:$MYSQL_PORT" "$MYSQL_PORT" || rc=1
  engine_status redis "$rds/run/redis.pid" "127.0.0.1:$REDIS_PORT" "$REDIS_PORT" || rc=1
  engine_status "rocketmq-namesrv" "$rmq/run/namesrv.pid" "127.0.0.1:$NAMESRV_PORT" "$NAMESRV_PORT" || rc=1
  engine_status "rocketmq-broker" "$rmq/run/broker.pid" "127.0.0.1:$BROKER_PORT" \
    "$((BROKER_PORT - 2))" "$BROKER_PORT" "$((BROKER_PORT + 1))" || rc=1
  engine_status nacos "$ncs/run/rnacos.pid" "127.0.0.1:$NACOS_HTTP_PORT" "$NACOS_HTTP_PORT" "$NACOS_GRPC_PORT" || rc=1
  engine_status jaeger "$jgr/run/jaeger.pid" "http://127.0.0.1:$JAEGER_QUERY_PORT" "${JAEGER_PORTS[@]}" || rc=1
  # Started by `make up`, not by `up`: listed, but not counted.
  engine_status prometheus "$prm/run/prometheus.pid" "http://127.0.0.1:$PROMETHEUS_PORT" "$PROMETHEUS_PORT" || true
  return "$rc"
}

cmd_env() {
  [ -s "$mdb/cartwheel.password" ] || die "no MariaDB password yet: run scripts/infra.sh up first"
  local pw levels dsn
  pw=$(<"$mdb/cartwheel.password")
  levels=$(sed -n 's/^messageDelayLevel=//p' "$tmpl/rocketmq/broker.conf.in")
  dsn="$MYSQL_USER:$pw@tcp(127.0.0.1:$MYSQL_PORT)/"
  cat <<EOF
# Cartwheel infra from scripts/infra.sh (eval "\$(scripts/infra.sh env)")
export CARTWHEEL_MYSQL_DSN='$dsn'
export CARTWHEEL_TEST_MYSQL_DSN='$dsn'
export CARTWHEEL_REDIS_ADDR='127.0.0.1:$REDIS_PORT'
export CARTWHEEL_ROCKETMQ_NAMESRV='127.0.0.1:$NAMESRV_PORT'
export CARTWHEEL_ROCKETMQ_DELAY_LEVELS='$levels'
export CARTWHEEL_NACOS_ADDR='127.0.0.1:$NACOS_HTTP_PORT'
export CARTWHEEL_JAEGER_OTLP='http://127.0.0.1:$JAEGER_OTLP_HTTP_PORT'
export CARTWHEEL_JAEGER_QUERY='http://127.0.0.1:$JAEGER_QUERY_PORT'
EOF
}

# One engine at a time (the fault scenarios of `make chaos`).
declare -rA ENGINE_PIDFILE=([mariadb]="$mdb/run/mariadbd.pid" [redis]="$rds/run/redis.pid"
  [namesrv]="$rmq/run/namesrv.pid" [broker]="$rmq/run/broker.pid" [nacos]="$ncs/run/rnacos.pid"
  [jaeger]="$jgr/run/jaeger.pid" [prometheus]="$prm/run/prometheus.pid")

engine_or_die() {
  [ -n "${1:-}" ] && [ -n "${ENGINE_PIDFILE[$1]:-}" ] ||
    die "unknown engine '${1:-}' (mariadb, redis, namesrv, broker, nacos, jaeger, prometheus)"
}

cmd_kill() {
  local pidfile pid
  engine_or_die "$1"
  pidfile=${ENGINE_PIDFILE[$1]}
  running "$pidfile" || die "$1 is not running"
  pid=$(<"$pidfile")
  log "$1: kill -9 pid $pid"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$pidfile"
}

cmd_stop_one() {
  engine_or_die "$1"
  prepare
  stop "$1" "${ENGINE_PIDFILE[$1]}" 60
}

cmd_start_one() {
  local t0=$SECONDS
  engine_or_die "$1"
  prepare
  case $1 in
    mariadb) start_mariadb ;;
    redis) start_redis ;;
    namesrv) ensure_rocketmq && start_namesrv ;;
    broker) ensure_rocketmq && start_broker ;;
    nacos) ensure_rnacos && start_nacos ;;
    jaeger) ensure_jaeger && start_jaeger ;;
    prometheus) ensure_prometheus && start_prometheus ;;
  esac
  log "$1: up in $((SECONDS - t0))s"
}

usage() {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  up) cmd_up ;;
  install) cmd_install ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  kill) cmd_kill "${2:-}" ;;
  stop) cmd_stop_one "${2:-}" ;;
  start) cmd_start_one "${2:-}" ;;
  mqadmin)
    shift
    [ -d "$rmq/lib" ] || die "RocketMQ is not installed yet: run scripts/infra.sh up first"
    mqadmin "$@"
    ;;
  mysql)
    shift
    [ -f "$mdb/my.cnf" ] || die "MariaDB is not set up yet: run scripts/infra.sh up first"
    root_mysql "$@"
    ;;
  *) usage ;;
esac

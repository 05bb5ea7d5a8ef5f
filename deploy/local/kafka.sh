#!/usr/bin/env bash
# A real single-node Apache Kafka 4.x broker (KRaft, broker+controller in one JVM), no Docker.
# Usage: deploy/local/kafka.sh start|status|stop
#   start  resolves the jars once (Maven Central -> cache), formats storage once, starts the broker
#          and waits until it answers; prints JIANDU_TEST_KAFKA_BOOTSTRAP=127.0.0.1:PORT on stdout.
# Env: JIANDU_KAFKA_PORT (59092), JIANDU_KAFKA_CONTROLLER_PORT (59093), JIANDU_KAFKA_VERSION
#      (default: kafka.version in kafka/pom.xml), JIANDU_KAFKA_START_TIMEOUT (90 seconds).
SERVER_NAME=kafka
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$JIANDU_ROOT/deploy/local/kafka"
PORT=${JIANDU_KAFKA_PORT:-59092}
CONTROLLER_PORT=${JIANDU_KAFKA_CONTROLLER_PORT:-59093}
BOOTSTRAP="127.0.0.1:$PORT"
VERSION=${JIANDU_KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml")}
LIB="$JIANDU_CACHE_DIR/kafka/$VERSION/lib"
MVN_LOG="$JIANDU_CACHE_DIR/kafka/$VERSION/mvn.log"
DIR="$JIANDU_LOCAL_DIR/kafka"
PID_FILE="$DIR/kafka.pid"
LOG="$DIR/kafka.log"
PY="$JIANDU_ROOT/.venv/bin/python"
TIMEOUT=${JIANDU_KAFKA_START_TIMEOUT:-90}

# resolve_jars: copy kafka_2.13 and its logging binding into $LIB, unless a previous run did.
# The marker holds the pom's checksum, so editing the pom re-resolves.
resolve_jars() {
  local sum; sum="$(sha1sum "$HERE/pom.xml" | cut -d' ' -f1) $VERSION"
  if [ "$(cat "$LIB/.complete" 2>/dev/null)" = "$sum" ]; then return 0; fi
  need mvn "install Maven 3.8+ (apt-get install -y maven)"
  say "resolving org.apache.kafka:kafka_2.13:$VERSION from Maven Central into $LIB"
  rm -rf "$LIB"; mkdir -p "$LIB"
  if ! timeout 600 mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" \
      -Dmaven.repo.local="$JIANDU_CACHE_DIR/m2" -Dkafka.version="$VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$LIB" >"$MVN_LOG" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$MVN_LOG" | grep -E '^\[ERROR\] .*[^ ]' | head -n 3 | cut -c1-400 >&2 || true
    # An unreachable repository shows as a failed transfer, or (empty local repo) as a missing plugin.
    if grep -qiE 'could not transfer|unknown ?host|no plugin found for prefix|network is unreachable' \
        "$MVN_LOG"; then
      die "Maven Central cannot be reached (network, proxy or Maven settings; see $MVN_LOG)"
    fi
    die "Maven could not resolve kafka_2.13:$VERSION (see $MVN_LOG)"
  fi
  ls "$LIB"/kafka_2.13-*.jar >/dev/null 2>&1 || die "no kafka_2.13 jar in $LIB after Maven ran"
  echo "$sum" >"$LIB/.complete"
}

write_config() {
  mkdir -p "$DIR/data"
  cat >"$DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
EOF
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# answers: the broker serves a metadata request (kafka-python from the project venv), or, where
# that venv is missing, it has logged that it started.
answers() {
  port_open "$PORT" || return 1
  if [ "$HAVE_KAFKA_PYTHON" = yes ]; then
    timeout 15 "$PY" -c 'import sys; from kafka import KafkaAdminClient as Admin
admin = Admin(bootstrap_servers=sys.argv[1], request_timeout_ms=5000, bootstrap_timeout_ms=5000)
sys.exit(0 if admin.describe_cluster()["brokers"] else 1)' "$BOOTSTRAP"
  else
    grep -q "Kafka Server started" "$LOG"
  fi
}

# await_broker: poll until the broker answers; fail with its log tail if it dies or is too slow.
await_broker() {
  local deadline=$((SECONDS + TIMEOUT))
  HAVE_KAFKA_PYTHON=no
  if [ -x "$PY" ] && "$PY" -c 'import kafka' 2>/dev/null; then HAVE_KAFKA_PYTHON=yes; fi
  until answers; do
    pid_alive "$PID_FILE" || { tail -n 30 "$LOG" >&2; rm -f "$PID_FILE"
      die "kafka exited during start-up (log above: $LOG)"; }
    ((SECONDS < deadline)) || { tail -n 30 "$LOG" >&2; stop_quietly
      die "kafka did not answer on $BOOTSTRAP within $TIMEOUT s (log above: $LOG)"; }
    sleep 1
  done
}

start() {
  if pid_alive "$PID_FILE"; then
    await_broker
    say "already running (pid $(cat "$PID_FILE")) on $BOOTSTRAP"
    echo "JIANDU_TEST_KAFKA_BOOTSTRAP=$BOOTSTRAP"; return 0
  fi
  need java "install a Java 17+ runtime (apt-get install -y openjdk-17-jre-headless)"
  local t0=$SECONDS java_major
  java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
  [ "${java_major:-0}" -ge 17 ] 2>/dev/null || die "Kafka $VERSION needs Java 17+, found '${java_major:-?}'"
  local p; for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p is in use (a stray broker? '$0 stop' ends one of this checkout;" \
      "else set JIANDU_KAFKA_PORT / JIANDU_KAFKA_CONTROLLER_PORT)"
  done
  resolve_jars
  write_config
  local -a jvm=(java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$HERE/log4j2.properties" -cp "$LIB/*")
  if [ ! -f "$DIR/data/meta.properties" ]; then
    say "formatting storage in $DIR/data"
    "${jvm[@]}" kafka.tools.StorageTool format --ignore-formatted -c "$DIR/server.properties" \
      -t "$("${jvm[@]}" kafka.tools.StorageTool random-uuid)" >"$DIR/format.log" 2>&1 \
      || { tail -n 20 "$DIR/format.log" >&2; die "formatting storage failed"; }
  fi
  : >"$LOG"
  # setsid + nohup: the broker outlives this script and its terminal; the inner shell records
  # its own pid and then becomes java, so the pid file names the JVM itself.
  # shellcheck disable=SC2016
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    "${jvm[@]}" kafka.Kafka "$DIR/server.properties" >>"$LOG" 2>&1 </dev/null &
  wait_until 5 "pid file" test -s "$PID_FILE" || die "kafka did not start; see $LOG"
  await_broker
  say "Kafka $VERSION answers on $BOOTSTRAP after $((SECONDS - t0)) s, pid $(cat "$PID_FILE"), RSS $(rss_mb "$(cat "$PID_FILE")") MB"
  echo "JIANDU_TEST_KAFKA_BOOTSTRAP=$BOOTSTRAP"
}

# stop_quietly: stop the pid-file process, then any JVM still using this data folder.
no_strays() { ! pgrep -f -- "$DIR/server.properties" >/dev/null; }
stop_quietly() {
  stop_pid "$PID_FILE" kafka
  no_strays && return 0
  local strays; strays=$(pgrep -f -- "$DIR/server.properties" | tr '\n' ' ' || true)
  say "stopping stray kafka processes: $strays"
  # shellcheck disable=SC2086  # a list of pids
  kill -TERM $strays 2>/dev/null || true
  # shellcheck disable=SC2086
  wait_until 10 "strays to exit" no_strays || kill -KILL $strays 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) stop_quietly ;;
  status)
    if pid_alive "$PID_FILE"; then echo "kafka running (pid $(cat "$PID_FILE")) on $BOOTSTRAP"
    else echo "kafka not running"; exit 1; fi ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac

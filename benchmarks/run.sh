#!/usr/bin/env bash
# Runs the benchmarks that exist and writes docs/benchmarks.md:
#   fan-out: pulse (PulseBenchServer) and the raw Spring WebSocketHandler peer (RawBenchServer), one after the other,
#            measured by the same NIO load generator (io.github.pulse.bench.load.FanOutMain);
#   echo:    as many clients as subscribers, each sending echo at ECHO_RATES / subscribers per second; replies only;
#   idle:    heap after a full GC and RSS per idle connection, pulse and raw (benchmarks/idle-memory.sh).
# Usage: benchmarks/run.sh [subscribers]
# Environment: PUBLISHERS (2), RATES (messages/s, comma-separated), PREWARM_MS (3000), WARMUP_MS (1000), STEP_MS (3000),
#   STOP_P99_MS (1000), SOURCES (4 loopback source addresses), LOOPS (1 generator selector thread),
#   ECHO_RATES (total messages/s, comma-separated; 10000 is 10 per client per second with 1,000), SERVER_HEAP (1g), IDLE_CONNECTIONS (2000; 0 skips the idle scenario), OUT (docs/benchmarks.md), MVN_FLAGS,
#   NOTE (a paragraph put at the top of the report, e.g. the conditions of a preliminary run).
# Loopback only and bounded: every step is time-limited, a run stops after the first step whose p99 exceeds
# STOP_P99_MS, and each server is stopped when its scenario ends.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
PUBLISHERS=${PUBLISHERS:-2}
RATES=${RATES:-20,40,60,80,100,130,160,200,250,320,400,500}
PREWARM_MS=${PREWARM_MS:-3000}
WARMUP_MS=${WARMUP_MS:-1000}
STEP_MS=${STEP_MS:-3000}
STOP_P99_MS=${STOP_P99_MS:-1000}
SOURCES=${SOURCES:-4}
LOOPS=${LOOPS:-1}
SERVER_HEAP=${SERVER_HEAP:-1g}
ECHO_RATES=${ECHO_RATES:-5000,10000,20000}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-2000}
OUT=${OUT:-docs/benchmarks.md}
mvn -q -B ${MVN_FLAGS:-} -Pbenchmarks -pl benchmarks -am package -DskipTests
JAR=benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar
LAUNCHER=org.springframework.boot.loader.launch.PropertiesLauncher
WORK=$(mktemp -d)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
SERVER=
cleanup() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

scenario() { # label main-class generator-args...
  local label=$1 main=$2 port=$((20000 + RANDOM % 10000)); shift 2
  echo "$label $(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/conditions.txt"
  java -Xmx$SERVER_HEAP -cp "$JAR" -Dloader.main="$main" $LAUNCHER --server.port=$port \
    --server.tomcat.max-connections=30000 --logging.level.root=WARN > "$WORK/$label-server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.5; done
  java -Xmx512m -cp "$JAR" -Dloader.main=io.github.pulse.bench.load.FanOutMain $LAUNCHER --port=$port \
    --prewarm-ms="$PREWARM_MS" --warmup-ms="$WARMUP_MS" --step-ms="$STEP_MS" --stop-p99-ms="$STOP_P99_MS" \
    --sources="$SOURCES" --loops="$LOOPS" --server-pid=$SERVER --label="$label" --out="$WORK/$label" "$@"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

prop() { grep "^$2=" "$WORK/$1.properties" | cut -d= -f2 || true; }
ratio() { if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo "n/a"; fi; }

PULSE=io.github.pulse.bench.PulseBenchServer
RAW=io.github.pulse.rawbench.RawBenchServer
FAN_OUT=(--subscribers="$N" --publishers="$PUBLISHERS" --rates="$RATES")
ECHO=(--subscribers=0 --publishers="$N" --event=echo --rates="$ECHO_RATES")
scenario pulse $PULSE "${FAN_OUT[@]}"
scenario raw $RAW "${FAN_OUT[@]}"
scenario pulse-echo $PULSE "${ECHO[@]}"
scenario raw-echo $RAW "${ECHO[@]}"

IDLE_ROWS=""
if [ "$IDLE_CONNECTIONS" -gt 0 ]; then
  for pair in pulse:io.github.pulse.bench.PulseBenchServer raw:io.github.pulse.rawbench.RawBenchServer; do
    SKIP_BUILD=1 SERVER_MAIN=${pair#*:} benchmarks/idle-memory.sh "$IDLE_CONNECTIONS" | tee "$WORK/idle-${pair%%:*}.txt"
    line=$(grep heap_per_connection_kib "$WORK/idle-${pair%%:*}.txt" || true)
    heap=$(echo "$line" | sed -E 's/.*heap_per_connection_kib=([0-9]+)e-2.*/\1/'); rss=$(echo "$line" | sed -E 's/.*rss_per_connection_kib=([0-9-]+)e-2.*/\1/')
    IDLE_ROWS+="| ${pair%%:*} | $(awk -v v="$heap" 'BEGIN { printf "%.1f", v / 100 }') KiB | $(awk -v v="$rss" 'BEGIN { printf "%.1f", v / 100 }') KiB |"$'\n'
  done
fi

CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
{
  echo "# Benchmarks"
  echo
  echo "Written by \`benchmarks/run.sh $N\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Server and load generator share the"
  echo "machine (loopback), so their CPU use competes: read the generator's CPU column before trusting a saturation number."
  echo
  if [ -n "${NOTE:-}" ]; then echo "$NOTE"; echo; fi
  echo "## Machine and settings"
  echo
  echo "- CPU: $CPU_MODEL, $(nproc) cores; memory $(free -g | awk '/Mem:/ { print $2 }') GiB; kernel $(uname -r)"
  echo "- JVM: $(java -version 2>&1 | sed -n 2p)"
  echo "- Servers: \`-Xmx$SERVER_HEAP\`, default settings otherwise (pulse: send buffer 256 frames / 1 MiB, drop-oldest;"
  echo "  raw: \`ConcurrentWebSocketSessionDecorator\` with a 10 s send time limit, 1 MiB buffer, DROP)."
  echo "- Generator: NIO client, $LOOPS selector thread(s), $SOURCES loopback source addresses, \`-Xmx512m\`; CPU columns"
  echo "  are percent of one core (the machine has $(nproc))."
  echo "- Load average (1, 5, 15 min) when the run started: $LOAD_BEFORE; before each scenario:"
  echo "  $(sed 's/$/;/' "$WORK/conditions.txt" | tr '\n' ' ')"
  echo
  echo "## Fan-out"
  echo
  echo "$N subscribers and $PUBLISHERS publishers in one room; the publishers send \`chat\` at the given total rate"
  echo "(after ${PREWARM_MS} ms of unmeasured publishing at the first rate to warm the JIT; ${WARMUP_MS} ms warmup + ${STEP_MS} ms measured per step) and the server broadcasts each message to all"
  echo "$((N + PUBLISHERS)) connections. Latency runs from the message's scheduled send time (carried in the payload)"
  echo "to its arrival, so time spent waiting for a pushed-back socket counts. *Sustained* means p99 under 100 ms,"
  echo "nothing lost, nothing left unsent. A run stops after the first step with p99 over $STOP_P99_MS ms."
  echo
  echo "| server | highest sustained rate (msg/s) | deliveries/s there | p99 there (ms) | saturation deliveries/s | generator errors |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for label in pulse raw; do
    echo "| $label | $(prop $label knee_rate) | $(prop $label knee_deliveries) | $(prop $label knee_p99) | $(prop $label saturation) | $(prop $label errors) |"
  done
  echo
  echo "Ratios pulse/raw: saturation deliveries/s $(ratio "$(prop pulse saturation)" "$(prop raw saturation)"),"
  echo "highest sustained rate $(ratio "$(prop pulse knee_rate)" "$(prop raw knee_rate)")."
  echo
  for label in pulse raw; do cat "$WORK/$label.md"; echo; done
  echo "## Echo"
  echo
  echo "$N clients, each sending \`echo\` at its share of the total rate; the server replies to the sender only."
  echo "Same steps, warmup and latency measure as fan-out."
  echo
  echo "| server | highest sustained rate (msg/s) | p99 there (ms) | most replies/s | generator errors |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for label in pulse-echo raw-echo; do
    echo "| ${label%-echo} | $(prop $label knee_rate) | $(prop $label knee_p99) | $(prop $label saturation) | $(prop $label errors) |"
  done
  echo
  for label in pulse-echo raw-echo; do cat "$WORK/$label.md"; echo; done
  if [ -n "$IDLE_ROWS" ]; then
    echo "## Idle memory per connection"
    echo
    echo "$IDLE_CONNECTIONS idle connections from a separate JVM (\`benchmarks/idle-memory.sh\`): heap after a full GC"
    echo "and process RSS, with the connections minus without, divided by the count."
    echo
    echo "| server | heap per connection | RSS per connection |"
    echo "| --- | ---: | ---: |"
    printf '%s' "$IDLE_ROWS"
    echo
  fi
} > "$OUT"
echo "wrote $OUT"

# --- charts (io.github.pulse.bench.charts.Charts): PNGs next to the report (docs/benchmarks/*.png) from the steps' CSV
# files and, when the idle runs were given IDLE_CSV="$WORK/idle-memory.csv", the idle memory; linked from the report
java -Djava.awt.headless=true -cp "$JAR" -Dloader.main=io.github.pulse.bench.charts.Charts $LAUNCHER "$WORK" "${OUT%.md}" "$OUT"

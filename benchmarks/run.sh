#!/usr/bin/env bash
# Runs the benchmarks that exist and writes docs/benchmarks.md:
#   fan-out: pulse (PulseBenchServer) and its peers, one after the other, measured by the same NIO load generator
#            (io.github.pulse.bench.load.FanOutMain) speaking each server's protocol over plain WebSocket: the raw
#            Spring WebSocketHandler (RawBenchServer, pulse's protocol), Spring's STOMP simple broker
#            (io.github.pulse.stompbench.StompBenchServer, STOMP 1.2) and Socket.IO 4 on Node
#            (benchmarks/socketio/server.js, Engine.IO 4 / Socket.IO 5; skipped when node is missing);
#            RATES are for 1,000 subscribers; another count gets them scaled to the same deliveries per second (5,000
#            subscribers: 4, 8, 12, ... messages/s);
#   echo:    ECHO_CLIENTS clients (the first subscriber count), each sending echo at ECHO_RATES / clients per second;
#   idle:    heap after a full GC and RSS per idle connection (benchmarks/idle-memory.sh; Node: RSS only), at each of
#            IDLE_CONNECTIONS;
#   extras:  the scenario scripts named by EXTRAS (resume storm, overload, metrics cost, three cluster nodes against
#            one), each bounded, each writing its own section; then the JMH microbenchmarks (benchmarks/jmh.sh);
#   charts:  PNGs in docs/benchmarks/ (latency against rate, memory per connection), linked from the report.
# Usage: benchmarks/run.sh [subscribers, comma-separated for several fan-out runs; default 1000,5000]
# Environment: PUBLISHERS (2), RATES (messages/s, comma-separated), PREWARM_MS (3000), WARMUP_MS (1000), STEP_MS (3000),
#   STOP_P99_MS (1000), SOURCES (4 loopback source addresses), LOOPS (1 generator selector thread),
#   ECHO_RATES (total messages/s, comma-separated; 10000 is 10 per client per second with 1,000), SERVER_HEAP (1g), IDLE_CONNECTIONS (comma-separated counts, 10000,20000, the largest cut to fit a hard descriptor limit under 21,000; 0 skips the idle scenario), OUT (docs/benchmarks.md), MVN_FLAGS,
#   NOTE (a paragraph put at the top of the report, e.g. the conditions of a preliminary run),
#   SERVER_ARGS (extra arguments for the Java servers, e.g. --server.tomcat.threads.max=8),
#   EXTRAS (further scenario scripts to run, default "resume-storm overload metrics-cost cluster-fan-out"), JMH (0 skips),
#   PEERS (servers to run, default "pulse netty raw stomp socketio"; netty is pulse on the reactive stack; dispatch, not in the default, is pulse on Tomcat with its write completions dispatched to Tomcat's executor, pulse.container.inline-write-completions=false), ECHO_CLIENTS (the first subscriber count).
# Loopback only and bounded: every step is time-limited, a run stops after the first step whose p99 exceeds
# STOP_P99_MS, and each server is stopped when its scenario ends.
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS=${1:-1000,5000}
IFS=, read -r -a COUNTS <<< "$SUBSCRIBERS"
N=${COUNTS[0]}
ECHO_CLIENTS=${ECHO_CLIENTS:-$N}
PEERS=${PEERS:-pulse netty raw stomp socketio}
PUBLISHERS=${PUBLISHERS:-2}
RATES=${RATES:-20,40,60,80,100,130,160,200,250,320,400,500,640,800}
PREWARM_MS=${PREWARM_MS:-3000}
WARMUP_MS=${WARMUP_MS:-1000}
STEP_MS=${STEP_MS:-3000}
STOP_P99_MS=${STOP_P99_MS:-1000}
SOURCES=${SOURCES:-4}
LOOPS=${LOOPS:-1}
SERVER_HEAP=${SERVER_HEAP:-1g}
ECHO_RATES=${ECHO_RATES:-5000,10000,20000}
# one server process holds every connection: with N of them it needs N descriptors plus its own (jars, selector,
# logs, about 100); on a machine whose hard limit is 20,000 (ulimit -Hn) the largest count is cut to fit
HARD_FDS=$(ulimit -Hn)
IDLE_DEFAULT=10000,20000
if [ "$HARD_FDS" != unlimited ] && [ "$HARD_FDS" -lt 21000 ]; then IDLE_DEFAULT=10000,$(( (HARD_FDS - 1000) / 1000 * 1000 )); fi
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-$IDLE_DEFAULT}
OUT=${OUT:-docs/benchmarks.md}
mvn -q -B ${MVN_FLAGS:-} -Pbenchmarks -pl benchmarks -am package -DskipTests
SKIPPED=""
if [[ " $PEERS " == *" socketio "* ]]; then
  if ! command -v node > /dev/null; then
    PEERS=${PEERS//socketio/}; SKIPPED="Socket.IO (node is not installed)"
  elif [ ! -d benchmarks/socketio/node_modules ]; then
    (cd benchmarks/socketio && npm ci --no-audit --no-fund)
  fi
fi
JAR=benchmarks/target/benchmarks-0.1.0-SNAPSHOT.jar
LAUNCHER=org.springframework.boot.loader.launch.PropertiesLauncher
WORK=$(mktemp -d)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
SERVER=
cleanup() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi; rm -rf "$WORK"; }
trap cleanup EXIT

protocol_of() { # main-class (or "socketio"): the protocol the generator speaks to it
  case "$1" in
    *RawBenchServer) echo raw ;;
    *StompBenchServer) echo stomp ;;
    socketio) echo socketio ;;
    *) echo pulse ;;
  esac
}

scenario() { # label main-class (or "socketio" for the Node peer) generator-args...
  local label=$1 main=$2 port=$((20000 + RANDOM % 10000)); shift 2
  echo "$label $(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/conditions.txt"
  if [ "$main" = socketio ]; then
    node benchmarks/socketio/server.js $port > "$WORK/$label-server.log" 2>&1 &
  else
    java -Xmx$SERVER_HEAP -cp "$JAR" -Dloader.main="$main" $LAUNCHER --server.port=$port \
      --server.tomcat.max-connections=30000 --logging.level.root=WARN $(args_of "$label") ${SERVER_ARGS:-} > "$WORK/$label-server.log" 2>&1 &
  fi
  SERVER=$!
  for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.5; done
  java -Xmx512m -cp "$JAR" -Dloader.main=io.github.pulse.bench.load.FanOutMain $LAUNCHER --port=$port \
    --protocol="$(protocol_of "$main")" \
    --prewarm-ms="$PREWARM_MS" --warmup-ms="$WARMUP_MS" --step-ms="$STEP_MS" --stop-p99-ms="$STOP_P99_MS" \
    --sources="$SOURCES" --loops="$LOOPS" --server-pid=$SERVER --label="$label" --out="$WORK/$label" "$@"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}

prop() { grep "^$2=" "$WORK/$1.properties" | cut -d= -f2 || true; }
ratio() { if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo "n/a"; fi; }

PULSE=io.github.pulse.bench.PulseBenchServer
RAW=io.github.pulse.rawbench.RawBenchServer
STOMP=io.github.pulse.stompbench.StompBenchServer
main_of() { case "$1" in pulse|netty|dispatch) echo $PULSE ;; raw) echo $RAW ;; stomp) echo $STOMP ;; socketio) echo socketio ;; esac; }
title_of() { case "$1" in netty) echo "pulse on Netty" ;; dispatch) echo "pulse, completions dispatched" ;; stomp) echo STOMP ;; socketio) echo Socket.IO ;; *) echo "$1" ;; esac; }
# server arguments of a peer: "netty" is pulse on the reactive stack (Reactor Netty)
args_of() { case "$1" in netty*) echo "--spring.main.web-application-type=reactive" ;; dispatch*) echo "--pulse.container.inline-write-completions=false" ;; *) echo "" ;; esac; }
# labels: fan-out "<server>" for the first subscriber count and "<server>-<count>" for the others; echo "<server>-echo"
fan_label() { if [ "$2" = "$N" ]; then echo "$1"; else echo "$1-$2"; fi; }
rates_for() { # subscriber count: RATES scaled to the same deliveries per second as with 1,000 subscribers
  awk -v rates="$RATES" -v n="$1" 'BEGIN { k = split(rates, r, ","); out = ""; last = -1
    for (i = 1; i <= k; i++) { v = r[i] * 1000 / n; v = (v >= 10) ? int(v + 0.5) : int(v * 10 + 0.5) / 10
      if (v > 0 && v != last) { out = out (out == "" ? "" : ",") v; last = v } }
    print out }'
}
ECHO=(--subscribers=0 --publishers="$ECHO_CLIENTS" --event=echo --rates="$ECHO_RATES")
for count in "${COUNTS[@]}"; do
  for peer in $PEERS; do
    scenario "$(fan_label "$peer" "$count")" "$(main_of "$peer")" --subscribers="$count" --publishers="$PUBLISHERS" --rates="$(rates_for "$count")"
  done
done
for peer in $PEERS; do scenario "$peer-echo" "$(main_of "$peer")" "${ECHO[@]}"; done

kib() { if [[ "$1" =~ ^-?[0-9]+$ ]]; then awk -v v="$1" 'BEGIN { printf "%.1f KiB", v / 100 }'; else echo "n/a"; fi; }
IDLE_ROWS=""
declare -A IDLE_HEAP IDLE_RSS
IFS=, read -r -a IDLE_COUNTS <<< "$IDLE_CONNECTIONS"
export IDLE_CSV="$WORK/idle-memory.csv"
for idle in "${IDLE_COUNTS[@]}"; do
  if [ "$idle" -le 0 ]; then continue; fi
  for peer in $PEERS; do
    echo "idle-$peer-$idle $(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/conditions.txt"
    SKIP_BUILD=1 SERVER_MAIN=$(main_of "$peer") PROTOCOL=$(protocol_of "$(main_of "$peer")") LABEL="$(title_of "$peer") $idle" \
      benchmarks/idle-memory.sh "$idle" $(args_of "$peer") | tee "$WORK/idle-$peer-$idle.txt" || echo "idle $peer $idle failed" >&2
    line=$(grep heap_per_connection_kib "$WORK/idle-$peer-$idle.txt" || true)
    heap=$(echo "$line" | sed -E 's/.*heap_per_connection_kib=([0-9-]+)e-2.*/\1/'); rss=$(echo "$line" | sed -E 's/.*rss_per_connection_kib=([0-9-]+)e-2.*/\1/')
    if [ -z "$line" ]; then
      IDLE_ROWS+="| $(title_of "$peer") | $idle | did not hold $idle connections (heap \`-Xmx1g\`, see the run's output) | |"$'\n'
      continue
    fi
    IDLE_ROWS+="| $(title_of "$peer") | $idle | $(kib "$heap") | $(kib "$rss") |"$'\n'
    IDLE_HEAP[$peer-$idle]=$heap; IDLE_RSS[$peer-$idle]=$rss
  done
done

# --- further scenarios, each a bounded script of its own (arguments: count, empty for its default, and the output
# file) that writes a markdown section to the file:
# EXTRAS names them (default all); JMH=0 skips the microbenchmarks. A line "TARGET|<target>|<value>|<met or **not met**>"
# in a section is taken out of it and put in the report's table of targets
EXTRAS=${EXTRAS:-resume-storm overload metrics-cost cluster-fan-out}
for extra in $EXTRAS; do
  if [ -x "benchmarks/$extra.sh" ]; then
    echo "$extra $(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/conditions.txt"
    SKIP_BUILD=1 "benchmarks/$extra.sh" "" "$WORK/extra-$extra.md" || echo "**$extra failed** (exit $?); see its output." > "$WORK/extra-$extra.md"
  fi
done
if [ "${JMH:-1}" != 0 ]; then
  echo "jmh $(cut -d' ' -f1-3 /proc/loadavg)" >> "$WORK/conditions.txt"
  SKIP_BUILD=1 benchmarks/jmh.sh "$WORK/jmh.md" || echo "**JMH failed**; see its output." > "$WORK/jmh.md"
fi

# --- targets (issue 7), computed from the results above; "met" is judged on this run only
p99_at() { awk -F, -v r="$2" 'NR > 1 && $5 + 0 == r + 0 { print $9 }' "$WORK/$1.csv" 2>/dev/null | tail -1; }
CPU_COLUMN=16
# server CPU per delivery (µs) of the step at a rate, if the server's CPU was measured (see FanOutMain.CSV_HEADER)
cpu_at() { awk -F, -v r="$2" -v col="$CPU_COLUMN" 'NR > 1 && $5 + 0 == r + 0 && col > 0 { print $col }' "$WORK/$1.csv" 2>/dev/null | tail -1; }
verdict() { awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { if (v == "n/a" || v == "") print "n/a"; else if ((op == ">=" && v + 0 >= t + 0) || (op == "<" && v + 0 < t + 0) || (op == "<=" && v + 0 <= t + 0)) print "met"; else print "**not met**" }'; }
# by_rate <value-at function> <label> <peer label> <highest rate, empty for all>: sets cells ("rate: ratio, ...")
# and worst (the largest ratio) over the rates both measured
by_rate() {
  cells=""; worst=""
  for rate in $(rates_for "$count" | tr , ' '); do
    if [ -n "$4" ] && [ "$rate" -gt "$4" ]; then break; fi
    a=$($1 "$2" "$rate"); b=$($1 "$3" "$rate")
    if [ -n "$a" ] && [ -n "$b" ]; then
      q=$(ratio "$a" "$b"); cells+="$rate: ${q}x, "
      worst=$(awk -v w="${worst:-0}" -v q="$q" 'BEGIN { print (q + 0 > w + 0) ? q : w }')
    fi
  done
}
TARGETS=""
target() { TARGETS+="| $1 | $2 | $3 |"$'\n'; }
for count in "${COUNTS[@]}"; do
  for ours in pulse netty; do
  if [[ " $PEERS " != *" $ours "* ]]; then continue; fi
  pl=$(fan_label $ours "$count")
  for peer_target in "socketio 1.0" "raw 1.3" "stomp 2.5"; do
    read -r peer want <<< "$peer_target"
    if [[ " $PEERS " != *" $peer "* ]]; then continue; fi
    r=$(ratio "$(prop "$pl" saturation)" "$(prop "$(fan_label "$peer" "$count")" saturation)")
    target "fan-out saturation, $count subscribers, $(title_of $ours) at least ${want}x $(title_of "$peer")" "${r}x" "$(verdict "$r" "$want" ">=")"
  done
  if [[ " $PEERS " == *" raw "* ]]; then
    # server CPU per delivery at each rate both sustained: pulse's at most raw's
    by_rate cpu_at "$pl" "$(fan_label raw "$count")" ""
    target "server CPU per delivery, $count subscribers, $(title_of $ours) at most raw's at every rate ($(title_of $ours)/raw by rate)" "${cells%, }" "$(verdict "${worst:-n/a}" 1.0 "<=")"
  fi
  done
  pl=$(fan_label pulse "$count")
  if [[ " $PEERS " == *" raw "* ]]; then
    rl=$(fan_label raw "$count"); knee=$(prop "$rl" knee_rate)
    by_rate p99_at "$pl" "$rl" "${knee:-0}"
    target "p99 below raw's knee ($knee msg/s), $count subscribers, no worse than raw's (pulse/raw by rate)" "${cells%, }" "$(verdict "${worst:-n/a}" 1.0 "<=")"
  fi
done
for idle in "${IDLE_COUNTS[@]}"; do
  for ours_limit in "pulse 30" "netty 16"; do
    read -r ours limit <<< "$ours_limit"
    v=${IDLE_RSS[$ours-$idle]:-}
    if [ -n "$v" ]; then
      k=$(awk -v v="$v" 'BEGIN { printf "%.1f", v / 100 }')
      target "idle RSS per connection at most $limit KiB, $(title_of $ours), $idle connections" "$k KiB" "$(verdict "$k" "$limit" "<=")"
    fi
  done
done
for extra in $EXTRAS; do
  if [ -s "$WORK/extra-$extra.md" ]; then
    grep '^TARGET|' "$WORK/extra-$extra.md" | while IFS='|' read -r _ what value met; do echo "| $what | $value | $met |"; done >> "$WORK/targets-extra.txt" || true
    sed -i '/^TARGET|/d' "$WORK/extra-$extra.md"
  fi
done
if [ -s "$WORK/targets-extra.txt" ]; then TARGETS+=$(cat "$WORK/targets-extra.txt")$'\n'; fi

CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
{
  echo "# Benchmarks"
  echo
  echo "Written by \`benchmarks/run.sh $SUBSCRIBERS\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Server and load generator share the"
  echo "machine (loopback), so their CPU use competes: read the generator's CPU column before trusting a saturation number."
  echo
  if [ -n "${NOTE:-}" ]; then echo "$NOTE"; echo; fi
  if [ -n "$TARGETS" ]; then
    echo "## Targets"
    echo
    echo "The targets of issues 7 and 15, judged on this run (a single run on a shared machine: see the load averages below)."
    echo
    echo "| target | this run | |"
    echo "| --- | --- | --- |"
    printf '%s' "$TARGETS"
    echo
  fi
  echo "## Machine and settings"
  echo
  echo "- CPU: $CPU_MODEL, $(nproc) cores; memory $(free -g | awk '/Mem:/ { print $2 }') GiB; kernel $(uname -r)"
  echo "- JVM: $(java -version 2>&1 | sed -n 2p)"
  echo "- Servers: \`-Xmx$SERVER_HEAP\`, default settings otherwise (pulse: send buffer 256 frames / 1 MiB, drop-oldest;"
  echo "  raw: \`ConcurrentWebSocketSessionDecorator\` with a 10 s send time limit, 1 MiB buffer, DROP;"
  echo "  STOMP: Spring's simple broker, no heart-beats, 10 s send time limit, 512 KiB send buffer per session, client"
  echo "  channels on Boot's \`applicationTaskExecutor\` (8 threads, unbounded queue); Socket.IO:"
  echo "  $(node -e 'process.stdout.write("socket.io " + require("./benchmarks/socketio/node_modules/socket.io/package.json").version + " on Node " + process.version)' 2>/dev/null || echo 'not run'),"
  echo "  pingInterval 25 s, pingTimeout 20 s, perMessageDeflate off (v4's default; the generator offers no extension anyway),"
  echo "  in-memory adapter, no limit on a socket's outbound buffer). Each server speaks its own protocol to the generator:"
  echo "  pulse's JSON frames (pulse, raw), STOMP 1.2 \`MESSAGE\` frames, Socket.IO \`42[\"chat\",{..}]\` packets."
  if [ -n "$SKIPPED" ]; then echo "- Not run: $SKIPPED."; fi
  echo "- Generator: NIO client, $LOOPS selector thread(s), $SOURCES loopback source addresses, \`-Xmx512m\`; CPU columns"
  echo "  are percent of one core (the machine has $(nproc))."
  echo "- Load average (1, 5, 15 min) when the run started: $LOAD_BEFORE; before each scenario:"
  echo "  $(sed 's/$/;/' "$WORK/conditions.txt" | tr '\n' ' ')"
  echo
  for count in "${COUNTS[@]}"; do
  echo "## Fan-out, $count subscribers"
  echo
  echo "$count subscribers and $PUBLISHERS publishers in one room; the publishers send \`chat\` at the given total rate"
  echo "(after ${PREWARM_MS} ms of unmeasured publishing at the first rate to warm the JIT; ${WARMUP_MS} ms warmup + ${STEP_MS} ms measured per step) and the server broadcasts each message to all"
  echo "$((count + PUBLISHERS)) connections. Latency runs from the message's scheduled send time (carried in the payload)"
  echo "to its arrival, so time spent waiting for a pushed-back socket counts. *Sustained* means p99 under 100 ms,"
  echo "nothing lost, nothing left unsent. A run stops after the first step with p99 over $STOP_P99_MS ms."
  echo
  echo "| server | highest sustained rate (msg/s) | deliveries/s there | p99 there (ms) | saturation deliveries/s | generator errors |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for peer in $PEERS; do
    label=$(fan_label "$peer" "$count")
    echo "| $(title_of "$peer") | $(prop $label knee_rate) | $(prop $label knee_deliveries) | $(prop $label knee_p99) | $(prop $label saturation) | $(prop $label errors) |"
  done
  echo
  pulse_label=$(fan_label pulse "$count")
  for peer in $PEERS; do
    if [ "$peer" = pulse ]; then continue; fi
    label=$(fan_label "$peer" "$count")
    echo "Ratios pulse/$(title_of "$peer"): saturation deliveries/s $(ratio "$(prop $pulse_label saturation)" "$(prop $label saturation)"),"
    echo "highest sustained rate $(ratio "$(prop $pulse_label knee_rate)" "$(prop $label knee_rate)")."
    echo
  done
  for peer in $PEERS; do cat "$WORK/$(fan_label "$peer" "$count").md"; echo; done
  done
  echo "## Echo"
  echo
  echo "$ECHO_CLIENTS clients, each sending \`echo\` at its share of the total rate; the server replies to the sender only."
  echo "Same steps, warmup and latency measure as fan-out."
  echo
  echo "| server | highest sustained rate (msg/s) | p99 there (ms) | most replies/s | generator errors |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for peer in $PEERS; do
    label=$peer-echo
    echo "| $(title_of "$peer") | $(prop $label knee_rate) | $(prop $label knee_p99) | $(prop $label saturation) | $(prop $label errors) |"
  done
  echo
  for peer in $PEERS; do
    if [ "$peer" = pulse ]; then continue; fi
    echo "Ratios pulse/$(title_of "$peer"): most replies/s $(ratio "$(prop pulse-echo saturation)" "$(prop $peer-echo saturation)"),"
    echo "highest sustained rate $(ratio "$(prop pulse-echo knee_rate)" "$(prop $peer-echo knee_rate)")."
    echo
  done
  for peer in $PEERS; do cat "$WORK/$peer-echo.md"; echo; done
  if [ -n "$IDLE_ROWS" ]; then
    echo "## Idle memory per connection"
    echo
    echo "Idle connections from a separate JVM (\`benchmarks/idle-memory.sh\`): heap after a full GC and process RSS,"
    echo "with the connections minus without, divided by the count. Each client speaks its server's protocol (STOMP:"
    echo "connected and subscribed to its room and its echo queue; Socket.IO: connected to the main namespace and in its"
    echo "room). Node's heap is not measured (no forced GC): RSS only. pulse runs with its defaults (64 KiB max message"
    echo "size, 2 KiB container I/O buffers, resume on)."
    if [ "$IDLE_CONNECTIONS" = "$IDLE_DEFAULT" ] && [ "$IDLE_DEFAULT" != 10000,20000 ]; then
      echo "This machine allows a process at most $HARD_FDS open descriptors (a hard limit the run cannot raise), so one"
      echo "server process cannot hold 20,000 connections: the largest count is ${IDLE_DEFAULT#*,}."
    fi
    echo
    echo "| server | connections | heap per connection | RSS per connection |"
    echo "| --- | ---: | ---: | ---: |"
    printf '%s' "$IDLE_ROWS"
    echo
    for idle in "${IDLE_COUNTS[@]}"; do
      for peer in $PEERS; do
        if [ "$peer" = pulse ] || [ -z "${IDLE_RSS[$peer-$idle]:-}" ]; then continue; fi
        heap_ratio=n/a
        if [[ "${IDLE_HEAP[$peer-$idle]:-}" =~ ^[0-9-]+$ ]]; then heap_ratio=$(ratio "${IDLE_HEAP[pulse-$idle]:-}" "${IDLE_HEAP[$peer-$idle]}"); fi
        echo "Ratios pulse/$(title_of "$peer") at $idle connections (lower is better for pulse): heap per connection"
        echo "$heap_ratio, RSS per connection $(ratio "${IDLE_RSS[pulse-$idle]:-}" "${IDLE_RSS[$peer-$idle]:-}")."
        echo
      done
    done
  fi
  if ls "$WORK"/extra-*.md > /dev/null 2>&1; then
    echo "## Further scenarios"
    echo
    echo "Each from its own script (\`benchmarks/<name>.sh\`, described in [benchmarks-method.md](benchmarks-method.md))."
    echo
    for extra in $EXTRAS; do
      if [ -s "$WORK/extra-$extra.md" ]; then cat "$WORK/extra-$extra.md"; echo; fi
    done
  fi
  if [ -s "$WORK/jmh.md" ]; then
    echo "## Microbenchmarks (JMH)"
    echo
    echo "In-process, on transports that discard the bytes (\`benchmarks/jmh.sh\`): what the engine itself costs, without"
    echo "sockets or the container."
    echo
    cat "$WORK/jmh.md"
    echo
  fi
} > "$OUT"
echo "wrote $OUT"

# --- charts (io.github.pulse.bench.charts.Charts): PNGs next to the report (docs/benchmarks/*.png) from the steps' CSV
# files and, when the idle runs were given IDLE_CSV="$WORK/idle-memory.csv", the idle memory; linked from the report
java -Djava.awt.headless=true -cp "$JAR" -Dloader.main=io.github.pulse.bench.charts.Charts $LAUNCHER "$WORK" "${OUT%.md}" "$OUT"

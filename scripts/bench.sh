#!/usr/bin/env bash
# Cairn against Redis, run by `make bench`. Starts a fresh cairn-server and a fresh redis-server
# (each on a free 127.0.0.1 port, each in its own temporary dir, with the same durability), runs
# redis-benchmark (and scripts/bench_driver.cc for MULTI/EXEC) against each in turn, alternating
# the two on every measurement and flipping who goes first on every round to spread machine
# drift, and prints medians over the rounds. Four parts, each one table:
#   main      SET GET INCR MSET TXN, -c 50, at -P 1 and -P 16, 100k keys (-r), 100-byte values,
#             once with fsync on every write (Cairn appendfsync always / Redis appendonly yes +
#             appendfsync always) and once with everysec on both
#   cold      Cairn only, maxmemory 256mb, BENCH_COLD_BYTES of 1 KiB values: uniform random GET
#             over all of it against GET over a hot set that fits the memory tier
#   memory    used_memory and RSS per key after loading 1M keys of 32-byte values and a SAVE,
#             both servers
#   callgrind instructions per request for GET and SET (Cairn and, for reference, Redis), with
#             the top functions, under valgrind --tool=callgrind
#   cluster   (`scripts/bench.sh --cluster 3`, or BENCH_PARTS=cluster) three Cairn nodes against
#             (a) a Redis primary with two replicas, each write followed by WAIT 1 0 (Redis's
#             nearest to a quorum acknowledgement; bench_driver's wait mode) and (b) one
#             redis-server, all with fsync on every write; SET INCR GET at -P 1 and -P 16 on the
#             leader, GET through a follower too, single-node Cairn GET beside them (the read
#             target), and the failover time after kill -9 of the leader
# Everything it writes goes to build/bench/ (results-*.txt, raw.csv, callgrind-*). Every process it
# starts is stopped by its PID on exit, error or interrupt.
#
# Knobs (environment):
#   BENCH_QUICK=1           smoke run, about a minute: 1 round, few requests, small data sets
#   BENCH_PARTS             which parts, default "main cold memory callgrind"
#   BENCH_ROUNDS            alternations per measurement (default 5; medians are reported: with
#                           3, one noisy round on this 2-core VM decided a -P 1 ratio)
#   BENCH_REQUESTS          requests per run at -P 1 (default 100000)
#   BENCH_P16_FACTOR        requests at -P 16 = BENCH_REQUESTS * this (default 4)
#   BENCH_DURABILITY        default "always everysec"
#   BENCH_TESTS             rows of the main table, default "SET GET INCR MSET TXN"
#   BENCH_CLIENTS / BENCH_KEYSPACE / BENCH_VALUE_SIZE   default 50 / 100000 / 100
#   BENCH_COLD_BYTES        data loaded for the cold part (default 2 GiB = 2147483648)
#   BENCH_COLD_MAXMEMORY    Cairn's maxmemory for the cold part (default 256mb)
#   BENCH_MEM_KEYS          keys for the memory part (default 1000000)
#   BENCH_CG_REQUESTS       requests per callgrind measurement (default 20000)
#   CAIRN_SERVER            default build/cairn-server; REDIS_SERVER default redis-server
#   BENCH_TMPDIR            parent of the servers' dirs (default build/bench/tmp: on the repo's
#                           disk, so fsync costs what it costs there, not on a tmpfs /tmp)
#   BENCH_KEEP=1            keep the servers' dirs
#   BENCH_CAIRN_ARGS        extra cairn-server flags for every Cairn server (A/B runs), e.g.
#                           "--store-read-threads 0"
set -euo pipefail

cluster_nodes=3
if [ "${1:-}" = --cluster ]; then
  cluster_nodes="${2:-3}"
  BENCH_PARTS="${BENCH_PARTS:-cluster}"
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick="${BENCH_QUICK:-0}"
if [ "$quick" = 1 ]; then
  d_rounds=1 d_requests=5000 d_factor=2 d_cold=$((64 * 1024 * 1024)) d_mem=100000 d_cg=2000
else
  d_rounds=5 d_requests=100000 d_factor=4 d_cold=$((2 * 1024 * 1024 * 1024)) d_mem=1000000 d_cg=20000
fi
parts="${BENCH_PARTS:-main cold memory callgrind}"
rounds="${BENCH_ROUNDS:-$d_rounds}"
requests="${BENCH_REQUESTS:-$d_requests}"
p16_factor="${BENCH_P16_FACTOR:-$d_factor}"
durabilities="${BENCH_DURABILITY:-always everysec}"
clients="${BENCH_CLIENTS:-50}"
keyspace="${BENCH_KEYSPACE:-100000}"
value_size="${BENCH_VALUE_SIZE:-100}"
cold_bytes="${BENCH_COLD_BYTES:-$d_cold}"
cold_maxmemory="${BENCH_COLD_MAXMEMORY:-256mb}"
mem_keys="${BENCH_MEM_KEYS:-$d_mem}"
read -r -a cairn_extra <<< "${BENCH_CAIRN_ARGS:-}"
cg_requests="${BENCH_CG_REQUESTS:-$d_cg}"
cairn_bin="${CAIRN_SERVER:-$root/build/cairn-server}"
redis_bin="${REDIS_SERVER:-redis-server}"
out="$root/build/bench"
tmp_parent="${BENCH_TMPDIR:-$out/tmp}"

mkdir -p "$out" "$tmp_parent"
stamp="$(date +%Y%m%d-%H%M%S)"
report="$out/results-$stamp.txt"
raw="$out/raw-$stamp.csv"
: > "$raw"

# ---- processes and cleanup --------------------------------------------------------------------
pids=()   # every server this script started
dirs=()   # every temporary dir it made

stop_pid() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  if [ "${BENCH_KEEP:-0}" != 1 ]; then
    for d in "${dirs[@]}"; do rm -rf "$d"; done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { echo "$*" | tee -a "$report"; }
note() { echo "bench: $*" >&2; }

# ---- prerequisites ----------------------------------------------------------------------------
[ -x "$cairn_bin" ] || { note "no $cairn_bin: run 'make build' (or set CAIRN_SERVER)"; exit 1; }
command -v "$redis_bin" > /dev/null || { note "no redis-server: run 'deps/install.sh bench'"; exit 1; }
command -v redis-benchmark > /dev/null || { note "no redis-benchmark (redis-tools)"; exit 1; }

driver="$out/bench_driver"
if [ ! -x "$driver" ] || [ "$root/scripts/bench_driver.cc" -nt "$driver" ]; then
  note "building $driver"
  g++ -std=c++20 -O2 -o "$driver" "$root/scripts/bench_driver.cc" -lhiredis
fi

# ---- servers ----------------------------------------------------------------------------------
# Any socket on the port, listening or not (a TIME_WAIT left by an earlier run's client counts).
port_free() {
  if command -v ss > /dev/null; then
    [ -z "$(ss -Htan "sport = :$1" 2>/dev/null)" ]
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

pick_port() {
  local p
  for _ in $(seq 1 200); do
    # Below the kernel's ephemeral range (32768+ by default), where client sockets land.
    p=$((15000 + RANDOM % 17000))
    if port_free "$p"; then echo "$p"; return 0; fi
  done
  note "no free port found"
  return 1
}

rcli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }

# info_field PORT SECTION FIELD
info_field() { rcli "$1" info "$2" | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2 }'; }

vmrss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }

# start_server KIND DURABILITY [EXTRA ARGS...]: sets SRV_PID, SRV_PORT, SRV_DIR. KIND is cairn,
# redis, or cairn-cg / redis-cg (under callgrind). Retries on another port if the chosen one was
# taken meanwhile, and checks that the server answering is the one it started (INFO process_id).
start_server() {
  local kind="$1" fsync="$2"; shift 2
  local wait_s=20
  for _ in 1 2 3 4 5; do
    SRV_PORT="$(pick_port)"
    SRV_DIR="$(mktemp -d "$tmp_parent/$kind-XXXXXX")"
    dirs+=("$SRV_DIR")
    local cmd=()
    case "$kind" in
      cairn*) cmd=("$cairn_bin" --bind 127.0.0.1 --port "$SRV_PORT" --dir "$SRV_DIR"
                   --appendfsync "$fsync" "${cairn_extra[@]}" "$@") ;;
      redis*) cmd=("$redis_bin" --bind 127.0.0.1 --port "$SRV_PORT" --dir "$SRV_DIR" --save ""
                   --appendonly yes --appendfsync "$fsync" --daemonize no "$@") ;;
    esac
    if [[ "$kind" == *-cg ]]; then
      cmd=(valgrind --tool=callgrind --dump-instr=no "--callgrind-out-file=$out/callgrind.out.$kind.%p"
           "${cmd[@]}")
      wait_s=120
    fi
    "${cmd[@]}" > "$SRV_DIR/server.log" 2>&1 &
    SRV_PID=$!
    pids+=("$SRV_PID")
    local t=0
    while [ "$t" -lt $((wait_s * 10)) ]; do
      kill -0 "$SRV_PID" 2>/dev/null || break
      if [ "$(rcli "$SRV_PORT" ping 2>/dev/null)" = PONG ] &&
         [ "$(info_field "$SRV_PORT" server process_id)" = "$SRV_PID" ]; then
        return 0
      fi
      sleep 0.1
      t=$((t + 1))
    done
    note "$kind did not come up on port $SRV_PORT; log:"
    tail -5 "$SRV_DIR/server.log" >&2 || true
    stop_pid "$SRV_PID"
  done
  return 1
}

# ---- one measurement --------------------------------------------------------------------------
# measure PORT TEST PIPELINE REQUESTS [KEYSPACE [VALUE_SIZE]] -> "rps p50 p99" (n/a when failed)
measure() {
  local port="$1" test="$2" pipe="$3" n="$4" r="${5:-$keyspace}" d="${6:-$value_size}"
  local csv
  if [ "$test" = TXN ]; then
    csv="$("$driver" txn -p "$port" -c "$clients" -P "$pipe" -n "$n" -r "$r" -d "$d" 2>/dev/null || true)"
  else
    local t
    t="$(echo "$test" | tr 'A-Z' 'a-z')"
    csv="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -P "$pipe" -n "$n" -r "$r" \
           -d "$d" -t "$t" --csv 2>/dev/null || true)"
  fi
  # Columns: test, rps, avg, min, p50, p95, p99, max (redis-benchmark 7 --csv).
  echo "$csv" | grep -v '^"test"' | grep '^"' | head -1 |
    awk -F, '{ gsub(/"/, ""); print $2, $5, $7 } END { if (NR == 0) print "n/a n/a n/a" }' || true
}

# load PORT KEYS VALUE_SIZE: SET key:<i> for every i < KEYS, pipelined; prints seconds taken.
load_keys() {
  local port="$1" keys="$2" d="$3"
  local t0 t1
  t0="$(date +%s.%N)"
  "$driver" load -p "$port" -c "$clients" -P 32 --keys "$keys" -d "$d" > /dev/null 2>"$out/load.err" ||
    { note "load failed: $(cat "$out/load.err")"; return 1; }
  t1="$(date +%s.%N)"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }'
}

# median of the numbers on stdin ("n/a" skipped; all n/a -> n/a)
median() {
  awk '$1 != "n/a"' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# med FIELD KEY: median of column FIELD (6 rps, 7 p50, 8 p99, 9 server CPU us per request) over
# raw rows matching KEY prefix
med() { { grep "^$2," "$raw" || true; } | cut -d, -f"$1" | median; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
fmt_rps() { awk -v a="$1" 'BEGIN { if (a == "n/a") print a; else printf "%.0f\n", a }'; }

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# CPU time a process (all its threads) has used, in clock ticks; and µs of it per request.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
clk_tck="$(getconf CLK_TCK)"
us_per_request() { awk -v t="$1" -v hz="$clk_tck" -v n="$2" 'BEGIN { printf "%.2f\n", t * 1e6 / hz / n }'; }

say "Cairn benchmark $stamp  ($(nproc) cores, load average $(load_avg) at start)"
say "cairn: $cairn_bin ($("$cairn_bin" --version 2>/dev/null | head -1)); redis: $("$redis_bin" --version | head -1)"
say "servers' dirs under $tmp_parent ($(stat -f -c %T "$tmp_parent")); rounds $rounds; -c $clients -r $keyspace -d $value_size; requests $requests at -P 1, $((requests * p16_factor)) at -P 16"
say ""

# ---- part 1: main table -----------------------------------------------------------------------
read -r -a tests <<< "${BENCH_TESTS:-SET GET INCR MSET TXN}"
pipes=(1 16)

part_main() {
  for fsync in $durabilities; do
    start_server cairn "$fsync"; local c_pid=$SRV_PID c_port=$SRV_PORT c_dir=$SRV_DIR
    start_server redis "$fsync"; local r_pid=$SRV_PID r_port=$SRV_PORT r_dir=$SRV_DIR
    note "durability $fsync: cairn pid $c_pid port $c_port, redis pid $r_pid port $r_port"
    # Every key GET reads exists (key:<12 digits> as redis-benchmark -r names them).
    local lc lr
    lc="$(load_keys "$c_port" "$keyspace" "$value_size")"
    lr="$(load_keys "$r_port" "$keyspace" "$value_size")"
    note "preloaded $keyspace keys: cairn ${lc}s, redis ${lr}s"
    for round in $(seq 1 "$rounds"); do
      for test in "${tests[@]}"; do
        for p in "${pipes[@]}"; do
          local n=$requests
          [ "$p" -gt 1 ] && n=$((requests * p16_factor))
          local order=(cairn redis)
          [ $((round % 2)) -eq 0 ] && order=(redis cairn)
          for srv in "${order[@]}"; do
            local port=$c_port pid=$c_pid sdir=$c_dir
            [ "$srv" = redis ] && port=$r_port pid=$r_pid sdir=$r_dir
            local res t0 cpu
            t0="$(cpu_ticks "$pid")"
            res="$(measure "$port" "$test" "$p" "$n")"
            kill -0 "$pid" 2>/dev/null || { note "$srv died during $test -P $p; log:"; tail -20 "$sdir/server.log" >&2 || true; return 1; }
            cpu="$(us_per_request $(( $(cpu_ticks "$pid") - t0 )) "$n")"
            echo "$fsync,$test,$p,$srv,$round,$(echo "$res" | tr ' ' ','),$cpu" >> "$raw"
            note "round $round $fsync $test -P $p $srv: $res cpu ${cpu}us/req (load $(load_avg))"
          done
        done
      done
    done
    stop_pid "$c_pid"; stop_pid "$r_pid"
  done

  say "== Throughput and latency: -c $clients, -r $keyspace, -d $value_size, medians of $rounds round(s) =="
  say "durability: 'always' = Cairn appendfsync always / Redis appendonly yes + appendfsync always;"
  say "            'everysec' = Cairn appendfsync everysec / Redis appendonly yes + appendfsync everysec"
  say "latencies in ms; target: GET >= 1.0x, SET(always) >= 1.0x, INCR/MSET/TXN >= 0.9x, p99 at -P 1 <= 1.2x Redis"
  say "c_cpu/r_cpu: server CPU (all threads, user+system) per request in us: steadier than ops/s on a busy machine"
  local hdr
  hdr="$(printf '%-9s %-5s %3s %10s %10s %6s %7s %7s %7s %7s %6s %6s %6s %s' durab test P cairn/s redis/s ratio c_p50 c_p99 r_p50 r_p99 p99x c_cpu r_cpu target)"
  say "$hdr"
  for fsync in $durabilities; do
    for test in "${tests[@]}"; do
      for p in "${pipes[@]}"; do
        local k="$fsync,$test,$p"
        local c_rps r_rps c50 c99 r50 r99 rt p99x want verdict
        c_rps="$(med 6 "$k,cairn")"; r_rps="$(med 6 "$k,redis")"
        c50="$(med 7 "$k,cairn")"; c99="$(med 8 "$k,cairn")"
        r50="$(med 7 "$k,redis")"; r99="$(med 8 "$k,redis")"
        rt="$(ratio "$c_rps" "$r_rps")"; p99x="$(ratio "$c99" "$r99")"
        local ccpu rcpu
        ccpu="$(med 9 "$k,cairn")"; rcpu="$(med 9 "$k,redis")"
        case "$test" in GET) want=1.0 ;; SET) want=$([ "$fsync" = always ] && echo 1.0 || echo -) ;; *) want=0.9 ;; esac
        # Throughput has a target per test (SET only with fsync always); p99 at -P 1 on every row.
        verdict="-"
        if [ "$want" != - ] && [ "$rt" != n/a ]; then
          verdict=">=$want $(awk -v r="$rt" -v w="$want" 'BEGIN { print (r >= w ? "ok" : "MISS") }')"
        fi
        if [ "$p" = 1 ] && [ "$p99x" != n/a ] && awk -v x="$p99x" 'BEGIN { exit !(x > 1.2) }'; then
          verdict="$verdict,p99"
        fi
        say "$(printf '%-9s %-5s %3s %10s %10s %6s %7s %7s %7s %7s %6s %6s %6s %s' "$fsync" "$test" "$p" \
          "$(fmt_rps "$c_rps")" "$(fmt_rps "$r_rps")" "$rt" "$c50" "$c99" "$r50" "$r99" "$p99x" \
          "$ccpu" "$rcpu" "$verdict")"
      done
    done
  done
  say ""
}

# ---- part 5: a three-node cluster against Redis replication ----------------------------------
# leader_port PORT...: the client port of the node that says it leads (bounded wait), or empty.
leader_port() {
  for _ in $(seq 1 100); do
    for port in "$@"; do
      if [ "$(info_field "$port" raft role)" = leader ]; then echo "$port"; return 0; fi
    done
    sleep 0.1
  done
}

# measure_wait PORT CMD PIPELINE REQUESTS: a write plus WAIT 1 0 per operation (bench_driver).
measure_wait() {
  "$driver" wait -p "$1" -c "$clients" -P "$3" -n "$4" -r "$keyspace" -d "$value_size"     --cmd "$2" --replicas 1 2>/dev/null | grep -v '^"test"' | grep '^"' | head -1 |
    awk -F, '{ gsub(/"/, ""); print $2, $5, $7 } END { if (NR == 0) print "n/a n/a n/a" }' || true
}

part_cluster() {
  local n=$cluster_nodes i
  local bus=() cports=() cpids=()
  for ((i = 1; i <= n; i++)); do bus+=("$(pick_port)"); done
  local peers=""
  for ((i = 1; i <= n; i++)); do peers+="${peers:+,}$i=127.0.0.1:${bus[i - 1]}"; done
  for ((i = 1; i <= n; i++)); do
    start_server cairn always --node-id "$i" --cluster-port "${bus[i - 1]}" --cluster-peers "$peers"
    cports+=("$SRV_PORT"); cpids+=("$SRV_PID")
  done
  local lport; lport="$(leader_port "${cports[@]}")"
  [ -n "$lport" ] || { note "cluster: no leader elected"; return 1; }
  local fport=${cports[0]}; [ "$fport" = "$lport" ] && fport=${cports[1]}
  start_server redis always; local rp_port=$SRV_PORT rp_pid=$SRV_PID
  start_server redis always --replicaof 127.0.0.1 "$rp_port"; local rr1=$SRV_PORT
  start_server redis always --replicaof 127.0.0.1 "$rp_port"; local rr2=$SRV_PORT
  for port in "$rr1" "$rr2"; do
    for _ in $(seq 1 100); do
      [ "$(info_field "$port" replication master_link_status)" = up ] && break
      sleep 0.1
    done
  done
  start_server redis always; local r1_port=$SRV_PORT
  start_server cairn always; local c1_port=$SRV_PORT
  note "cluster: cairn leader $lport follower $fport; redis primary $rp_port (replicas $rr1 $rr2); redis $r1_port; cairn single $c1_port"
  for port in "$lport" "$rp_port" "$r1_port" "$c1_port"; do load_keys "$port" "$keyspace" "$value_size" > /dev/null; done
  for round in $(seq 1 "$rounds"); do
    for test in SET INCR GET; do
      for p in "${pipes[@]}"; do
        local reqs=$requests
        [ "$p" -gt 1 ] && reqs=$((requests * p16_factor))
        local srv res
        for srv in cairn3 redis-wait redis1 cairn3-follower cairn1; do
          case "$srv" in
            cairn3) res="$(measure "$lport" "$test" "$p" "$reqs")" ;;
            redis-wait)
              if [ "$test" = GET ]; then res="$(measure "$rp_port" GET "$p" "$reqs")"
              else res="$(measure_wait "$rp_port" "$(echo "$test" | tr 'A-Z' 'a-z')" "$p" "$reqs")"; fi ;;
            redis1) res="$(measure "$r1_port" "$test" "$p" "$reqs")" ;;
            cairn3-follower) [ "$test" = GET ] || continue; res="$(measure "$fport" GET "$p" "$reqs")" ;;
            cairn1) [ "$test" = GET ] || continue; res="$(measure "$c1_port" GET "$p" "$reqs")" ;;
          esac
          echo "cluster,$test,$p,$srv,$round,$(echo "$res" | tr ' ' ','),-" >> "$raw"
          note "round $round cluster $test -P $p $srv: $res (load $(load_avg))"
        done
      done
    done
  done
  # Failover: kill -9 of the leader, then the first SET another node acknowledges.
  local lpid="" t0 t1 fo=n/a
  for ((i = 0; i < n; i++)); do [ "${cports[i]}" = "$lport" ] && lpid=${cpids[i]}; done
  t0="$(date +%s%N)"
  kill -KILL "$lpid" 2>/dev/null || true
  for _ in $(seq 1 500); do
    for port in "${cports[@]}"; do
      [ "$port" = "$lport" ] && continue
      if [ "$(rcli "$port" set failover x 2>/dev/null)" = OK ]; then
        t1="$(date +%s%N)"; fo=$(( (t1 - t0) / 1000000 )); break 2
      fi
    done
    sleep 0.01
  done
  say "== Cluster of $n: -c $clients -r $keyspace -d $value_size, fsync on every write everywhere, medians of $rounds round(s) =="
  say "cairn3 = the Cairn leader (a write is acknowledged once a quorum has fsynced it); redis+wait = a Redis primary"
  say "with two replicas, each write followed by WAIT 1 0; redis1 = one redis-server. Targets: writes >= 1.0x redis+wait;"
  say "cairn3 GET (ReadIndex) >= 0.8x single-node Cairn GET (cairn1)."
  say "$(printf '%-5s %3s %10s %11s %10s %9s %10s %10s %8s %8s' test P cairn3/s redis+wait/s redis1/s vs_wait vs_redis1 follower/s cairn1/s vs_c1)"
  for test in SET INCR GET; do
    for p in "${pipes[@]}"; do
      local k="cluster,$test,$p" a b c f s1
      a="$(med 6 "$k,cairn3")"; b="$(med 6 "$k,redis-wait")"; c="$(med 6 "$k,redis1")"
      f="$(med 6 "$k,cairn3-follower")"; s1="$(med 6 "$k,cairn1")"
      say "$(printf '%-5s %3s %10s %11s %10s %9s %10s %10s %8s %8s' "$test" "$p" "$(fmt_rps "$a")" "$(fmt_rps "$b")"         "$(fmt_rps "$c")" "$(ratio "$a" "$b")" "$(ratio "$a" "$c")" "$(fmt_rps "$f")" "$(fmt_rps "$s1")"         "$([ "$test" = GET ] && ratio "$a" "$s1" || echo -)")"
    done
  done
  say "failover: a SET acknowledged by another node ${fo} ms after kill -9 of the leader"
  say ""
}

# ---- part 2: data beyond the memory tier (Cairn only) ----------------------------------------
part_cold() {
  local keys=$((cold_bytes / 1024))
  local hot=$((keys < 50000 ? keys : 50000))
  start_server cairn no --maxmemory "$cold_maxmemory"; local pid=$SRV_PID port=$SRV_PORT dir=$SRV_DIR
  note "cold: loading $keys keys of 1 KiB into cairn pid $pid (appendfsync no, maxmemory $cold_maxmemory)"
  local load_s
  load_s="$(load_keys "$port" "$keys" 1024)"
  local rss_load
  rss_load="$(vmrss_bytes "$pid")"
  # Warm the hot set into the memory tier.
  measure "$port" GET 16 $((hot * 4)) "$hot" 1024 > /dev/null
  for round in $(seq 1 "$rounds"); do
    for p in "${pipes[@]}"; do
      local n=$requests
      [ "$p" -gt 1 ] && n=$((requests * p16_factor))
      local order=(hot cold)
      [ $((round % 2)) -eq 0 ] && order=(cold hot)
      for which in "${order[@]}"; do
        local r=$hot
        [ "$which" = cold ] && r=$keys
        # Hit rate: lookups that needed no LevelDB read. A key read ahead of its command (on the
        # loop when cached, else on a reader thread) counts a store read, and then a tier hit.
        local h0 m0 s0 h1 m1 s1 res
        h0="$(info_field "$port" memory tier_hits)"; m0="$(info_field "$port" memory tier_misses)"
        s0="$(info_field "$port" memory tier_store_reads)"
        res="$(measure "$port" GET "$p" "$n" "$r" 1024)"
        h1="$(info_field "$port" memory tier_hits)"; m1="$(info_field "$port" memory tier_misses)"
        s1="$(info_field "$port" memory tier_store_reads)"
        local hit
        hit="$(awk -v a=$((h1 - h0)) -v b=$((m1 - m0)) -v s=$((s1 - s0)) 'BEGIN { if (a + b == 0) print "n/a"; else printf "%.3f\n", (a + b - s) / (a + b) }')"
        echo "cold,$which,$p,cairn,$round,$(echo "$res" | tr ' ' ','),$hit,$(vmrss_bytes "$pid")" >> "$raw"
        note "round $round $which GET -P $p: $res hit rate $hit (load $(load_avg))"
      done
    done
  done
  local disk
  disk="$(du -sb "$dir" | cut -f1)"
  say "== Data beyond memory: Cairn, $keys keys x 1 KiB ($(awk -v b="$cold_bytes" 'BEGIN { printf "%.2f GiB", b / 2^30 }')), maxmemory $cold_maxmemory, uniform random GET, -c $clients =="
  say "load: ${load_s}s ($(awk -v k="$keys" -v s="$load_s" 'BEGIN { printf "%.0f", k / s }') SET/s, -P 32, appendfsync no); RSS after load $((rss_load / 1048576)) MiB; dir on disk $((disk / 1048576)) MiB"
  say "hot = GET over the first $hot keys (fit the tier, warmed first); cold = GET over all $keys keys"
  say "(the machine has $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM: LevelDB's files may stay in the OS page cache, so 'cold' is beyond the tier, and beyond RAM only where the kernel evicts idle pages, e.g. a DAMON pageout scheme)"
  say "$(printf '%-5s %3s %10s %7s %7s %9s %9s %10s  %s' set P ops/s p50 p99 tier_hit RSS_MiB vs_hot target)"
  for p in "${pipes[@]}"; do
    local hot_rps
    hot_rps="$(med 6 "cold,hot,$p,cairn")"
    for which in hot cold; do
      local k="cold,$which,$p,cairn" rps hit rss vs verdict=-
      rps="$(med 6 "$k")"
      hit="$(med 9 "$k")"
      rss="$(med 10 "$k")"
      vs="$(ratio "$rps" "$hot_rps")"
      if [ "$which" = cold ] && [ "$vs" != n/a ]; then
        verdict=">=0.25 $(awk -v r="$vs" 'BEGIN { print (r >= 0.25 ? "ok" : "MISS") }')"
      fi
      say "$(printf '%-5s %3s %10s %7s %7s %9s %9s %10s  %s' "$which" "$p" "$(fmt_rps "$rps")" \
        "$(med 7 "$k")" "$(med 8 "$k")" "$hit" "$(awk -v r="$rss" 'BEGIN { printf "%.0f", r / 1048576 }')" "$vs" "$verdict")"
    done
  done
  say ""
  stop_pid "$pid"
}

# ---- part 3: memory per key -------------------------------------------------------------------
part_memory() {
  say "== Memory: $mem_keys keys x 32-byte values (key:<12 digits>), appendfsync everysec on both =="
  say "bytes/key = (after load - empty server) / keys; RSS = /proc/PID/status VmRSS; RSS-based is the fair comparison"
  say "$(printf '%-6s %14s %14s %12s %12s %12s' server used_memory RSS used_B/key RSS_B/key target)"
  local c_rss_bpk=""
  for kind in cairn redis; do
    start_server "$kind" everysec; local pid=$SRV_PID port=$SRV_PORT
    local u0 s0 u1 s1
    u0="$(info_field "$port" memory used_memory)"; s0="$(vmrss_bytes "$pid")"
    load_keys "$port" "$mem_keys" 32 > /dev/null
    # SAVE on both: Redis writes its RDB; Cairn checkpoints the writes it still holds in its
    # write-behind set into LevelDB, so what is measured is the data set, not that transient
    # buffer (bounded by write-behind-bytes whatever the number of keys).
    rcli "$port" save > /dev/null
    sleep 2
    u1="$(info_field "$port" memory used_memory)"; s1="$(vmrss_bytes "$pid")"
    local ubpk sbpk verdict=-
    ubpk=$(((u1 - u0) / mem_keys)); sbpk=$(((s1 - s0) / mem_keys))
    if [ "$kind" = cairn ]; then
      c_rss_bpk=$sbpk
      note "cairn maxmemory: $(info_field "$port" memory maxmemory), tier_entries $(info_field "$port" memory tier_entries)"
    else
      verdict="cairn<=redis: $([ "$c_rss_bpk" -le "$sbpk" ] && echo ok || echo MISS) ($(ratio "$c_rss_bpk" "$sbpk")x)"
    fi
    say "$(printf '%-6s %14s %14s %12s %12s %s' "$kind" "$u1" "$s1" "$ubpk" "$sbpk" "$verdict")"
    echo "memory,$kind,$mem_keys,$u0,$s0,$u1,$s1" >> "$raw"
    stop_pid "$pid"
  done
  say ""
}

# ---- part 4: instructions per request under callgrind -----------------------------------------
part_callgrind() {
  command -v valgrind > /dev/null || { say "== callgrind: valgrind not installed, skipped =="; return 0; }
  local summary="$out/callgrind-summary.txt"
  local cg_keys=20000
  : > "$summary"
  say "== Instructions per request under callgrind: $cg_requests requests per row, -c $clients, -r $cg_keys, -d $value_size, all threads =="
  say "(Cairn appendfsync always, Redis appendonly yes + appendfsync always; kernel time not counted)"
  say "$(printf '%-6s %-4s %3s %14s %12s' server test P Ir_total Ir/request)"
  for kind in cairn redis; do
    start_server "$kind-cg" always; local pid=$SRV_PID port=$SRV_PORT
    load_keys "$port" "$cg_keys" "$value_size" > /dev/null
    for test in SET GET; do
      for p in 1 16; do
        callgrind_control -z "$pid" > /dev/null 2>&1
        measure "$port" "$test" "$p" "$cg_requests" "$cg_keys" > /dev/null
        local tag="$kind-$(echo "$test" | tr 'A-Z' 'a-z')-P$p"
        callgrind_control -d "$tag" "$pid" > /dev/null 2>&1
        sleep 0.5
        local dump
        dump="$(grep -l "^desc: Trigger: dump $tag\$" "$out"/callgrind.out."$kind"-cg."$pid".* 2>/dev/null | head -1 || true)"
        if [ -z "$dump" ]; then
          say "$(printf '%-6s %-4s %3s %14s %12s' "$kind" "$test" "$p" n/a n/a)"
          continue
        fi
        cp "$dump" "$out/callgrind.$tag.out"
        local ir
        ir="$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")"
        say "$(printf '%-6s %-4s %3s %14s %12s' "$kind" "$test" "$p" "$ir" "$((ir / cg_requests))")"
        echo "$kind $test P$p Ir=$ir requests=$cg_requests Ir/request=$((ir / cg_requests))" >> "$summary"
        callgrind_annotate --threshold=100 --auto=no --inclusive=no "$out/callgrind.$tag.out" 2>/dev/null \
          > "$out/callgrind.$tag.annotate.txt" || true
        callgrind_annotate --threshold=100 --auto=no --inclusive=yes "$out/callgrind.$tag.out" 2>/dev/null \
          > "$out/callgrind.$tag.inclusive.txt" || true
      done
    done
    stop_pid "$pid"
    rm -f "$out"/callgrind.out."$kind"-cg."$pid"*
  done
  say "written: $summary, and per row $out/callgrind.<server>-<test>-P<n>.{out,annotate.txt,inclusive.txt}"
  say ""
  for tag in cairn-get-P1 cairn-set-P1 cairn-get-P16 cairn-set-P16; do
    local f="$out/callgrind.$tag.annotate.txt"
    [ -s "$f" ] || continue
    say "-- top functions (self), $tag --"
    # Rows after the "Ir  file:function" header; keep the 15 biggest. Frames that were on the stack
    # when the counters were zeroed (main, Node::Run, the loop) show what ran below them as their
    # own after a zero+dump; they are not hot, so they (and any row at >= 50%) are dropped. Names lose their
    # argument lists and binary, to fit a line.
    awk '/file:function/ { on = 1; next } on && /^-+$/ { next } on && NF {
           share = $2; gsub(/[()%]/, "", share); if (share + 0 >= 50) next
           if ($0 ~ /:main |libc_start|below main|ld-linux|Node::Run\(|uv_run|start_thread|clone3/) next
           line = $0; gsub(/\[\/[^]]*\//, "[", line); sub(/ \[cairn-server[^]]*\]$/, "", line)
           i = index(line, "%)"); head = substr(line, 1, i + 1); name = substr(line, i + 2)
           gsub(/\(anonymous namespace\)/, "{anon}", name); gsub(/ \[clone [^]]*\]/, "", name)
           gsub(/\([^()]*(\([^()]*\)[^()]*)*\)/, "(...)", name)
           print head name }' "$f" | head -15 | cut -c1-160 | tee -a "$report" || true
    say ""
  done
}

for part in $parts; do
  case "$part" in
    main) part_main ;;
    cold) part_cold ;;
    memory) part_memory ;;
    callgrind) part_callgrind ;;
    cluster) part_cluster ;;
    *) note "unknown part '$part' (main cold memory callgrind cluster)"; exit 2 ;;
  esac
done

say "load average at end: $(load_avg); report: $report; raw rows: $raw"

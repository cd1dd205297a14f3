#!/usr/bin/env bash
# Runs an N-node Cairn cluster on loopback, for people and tests: start, status, stop, and the
# faults a test wants by hand (kill -9 of one node, restart it). Every process it stops it stops
# by the PID it recorded, after checking that PID is still that node's cairn-server.
#
#   scripts/cluster.sh start [N]      start nodes 1..N (default 3); refuses if any port is taken
#   scripts/cluster.sh status         each node: id, pid, client port, alive, Raft role (or PING)
#   scripts/cluster.sh stop [NODE]    SIGTERM every node (or one), SIGKILL after STOP_TIMEOUT s
#   scripts/cluster.sh kill NODE      kill -9 of one node (a crash); `kill N NODE` works too
#   scripts/cluster.sh restart NODE   stop the node if it runs, start it again with its flags
#   scripts/cluster.sh clean          remove CLUSTER_DIR (refuses while a node runs)
#
# Node i listens for clients on CLUSTER_BASE_PORT+i and for peers on CLUSTER_BUS_BASE_PORT+i,
# keeps its data in CLUSTER_DIR/node-i, its log in CLUSTER_DIR/node-i.log and its pid in
# CLUSTER_DIR/node-i.pid, and is started as
#   cairn-server --port P --dir D --node-id i --cluster-port C --cluster-peers 1=127.0.0.1:C1,...
# (CLUSTER_DIR/nodes records N and the ports, so later commands need no arguments again).
# Replication between the nodes is being wired (issue 15): today each node serves on its own.
#
# Environment: CLUSTER_DIR (./cluster), CLUSTER_BASE_PORT (7000), CLUSTER_BUS_BASE_PORT
# (CLUSTER_BASE_PORT + 10000), CAIRN_SERVER (build/cairn-server of this checkout),
# CAIRN_ARGS (more --key value flags for every node), START_TIMEOUT and STOP_TIMEOUT (seconds,
# default 10). Exit status: 0 done, 1 failed, 2 usage, 3 a port or node was already in use.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_DIR="$(realpath -m "${CLUSTER_DIR:-./cluster}")"  # absolute: it identifies our processes
CLUSTER_BASE_PORT="${CLUSTER_BASE_PORT:-7000}"
CLUSTER_BUS_BASE_PORT="${CLUSTER_BUS_BASE_PORT:-$((CLUSTER_BASE_PORT + 10000))}"
CAIRN_SERVER="${CAIRN_SERVER:-$root/build/cairn-server}"
CAIRN_ARGS="${CAIRN_ARGS:-}"
START_TIMEOUT="${START_TIMEOUT:-10}"
STOP_TIMEOUT="${STOP_TIMEOUT:-10}"
nodes_file="$CLUSTER_DIR/nodes"

die() { echo "cluster.sh: $*" >&2; exit 1; }
usage() { sed -n '5,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

pid_file() { echo "$CLUSTER_DIR/node-$1.pid"; }
client_port() { echo $((CLUSTER_BASE_PORT + $1)); }
bus_port() { echo $((CLUSTER_BUS_BASE_PORT + $1)); }

# Whether something accepts connections on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid recorded for node $1, or empty.
recorded_pid() {
  local f; f="$(pid_file "$1")"
  [[ -f "$f" ]] && grep -E '^[0-9]+$' "$f" || true
}

# The node's recorded pid if that process is alive and still this node's cairn-server (a pid
# file may outlive its process, and the pid may since belong to another program); else empty.
live_pid() {
  local pid; pid="$(recorded_pid "$1")"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null |
      grep -qF -- "--dir $CLUSTER_DIR/node-$1 "; then
    echo "$pid"
  fi
}

# Answer to one command from node $1: redis-cli if present, else a raw inline command.
ask() {
  local port; port="$(client_port "$1")"; shift
  if command -v redis-cli > /dev/null; then
    timeout 2 redis-cli -p "$port" "$@" 2>/dev/null | head -1
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%s\r\n' "$*" >&3 &&
      timeout 2 head -1 <&3 | sed 's/^[-+:]//; s/\r$//') 2>/dev/null || true
  fi
}

# "leader" or "follower (leader 2)" from INFO raft; empty without redis-cli or an answer.
raft_role() {
  command -v redis-cli > /dev/null || return 0
  timeout 2 redis-cli -p "$(client_port "$1")" INFO raft 2>/dev/null | tr -d '\r' |
    awk -F: '/^role:/ {r = $2} /^leader_id:/ {l = $2}
             END {if (r == "leader") print r; else if (r != "") printf "%s (leader %s)\n", r, l}'
}

# Reads what start recorded into NODES and the two base ports: later commands use the ports the
# cluster was started with, whatever the environment says now.
load_nodes() {
  [[ -f "$nodes_file" ]] || die "no cluster in $CLUSTER_DIR (run: cluster.sh start N)"
  read -r NODES CLUSTER_BASE_PORT CLUSTER_BUS_BASE_PORT < "$nodes_file"
}

check_node() {
  [[ "$1" =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= NODES)) || die "no node '$1' (nodes are 1..$NODES)"
}

peers() {
  local list="" i
  for ((i = 1; i <= $1; i++)); do list+="${list:+,}$i=127.0.0.1:$(bus_port "$i")"; done
  echo "$list"
}

# Starts node $1 of $2 in the background and records its pid; does not wait.
launch() {
  local i="$1" n="$2" dir="$CLUSTER_DIR/node-$1"
  mkdir -p "$dir"
  # shellcheck disable=SC2086  # CAIRN_ARGS is a list of flags on purpose
  "$CAIRN_SERVER" --port "$(client_port "$i")" --dir "$dir" --node-id "$i" \
    --cluster-port "$(bus_port "$i")" --cluster-peers "$(peers "$n")" $CAIRN_ARGS \
    >> "$CLUSTER_DIR/node-$i.log" 2>&1 < /dev/null &
  echo $! > "$(pid_file "$i")"
}

# Waits (bounded by START_TIMEOUT) until node $1 answers PING (or LOADING: it is serving).
wait_serving() {
  local deadline=$((SECONDS + START_TIMEOUT)) reply pid
  pid="$(recorded_pid "$1")"  # not live_pid: until its exec the child is still a shell
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "cluster.sh: node $1 exited at start-up; see $CLUSTER_DIR/node-$1.log" >&2
      return 1
    fi
    reply="$(ask "$1" PING)"
    [[ "$reply" == PONG || "$reply" == LOADING* ]] && return 0
    sleep 0.05
  done
  echo "cluster.sh: node $1 did not answer PING within ${START_TIMEOUT}s; see $CLUSTER_DIR/node-$1.log" >&2
  return 1
}

# SIGTERM, then SIGKILL once STOP_TIMEOUT has passed; returns when the process is gone.
stop_node() {
  local pid deadline
  pid="$(live_pid "$1")"
  if [[ -z "$pid" ]]; then rm -f "$(pid_file "$1")"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "node $1 (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$(pid_file "$1")"
  echo "node $1 stopped (pid $pid)"
}

cmd_start() {
  local n="${1:-3}" i p busy=0
  [[ "$n" =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 99)) || die "start takes a node count 1..99"
  [[ -x "$CAIRN_SERVER" ]] || die "no cairn-server at $CAIRN_SERVER (build it, or set CAIRN_SERVER)"
  mkdir -p "$CLUSTER_DIR"
  if [[ -f "$nodes_file" ]]; then  # a stopped cluster's dir, reused: its data stays
    load_nodes
    for ((i = 1; i <= NODES; i++)); do
      if [[ -n "$(live_pid "$i")" ]]; then
        echo "cluster.sh: node $i of $CLUSTER_DIR is running (stop it first)" >&2; exit 3
      fi
    done
    CLUSTER_BASE_PORT="$env_base_port" CLUSTER_BUS_BASE_PORT="$env_bus_base_port"
  fi
  for ((i = 1; i <= n; i++)); do
    for p in "$(client_port "$i")" "$(bus_port "$i")"; do
      if port_busy "$p"; then echo "cluster.sh: port $p is in use" >&2; busy=1; fi
    done
  done
  ((busy == 0)) || exit 3
  echo "$n $CLUSTER_BASE_PORT $CLUSTER_BUS_BASE_PORT" > "$nodes_file"
  for ((i = 1; i <= n; i++)); do launch "$i" "$n"; done
  for ((i = 1; i <= n; i++)); do
    if ! wait_serving "$i"; then  # leave nothing half-started behind
      NODES="$n"
      local j
      for ((j = 1; j <= n; j++)); do stop_node "$j" > /dev/null; done
      exit 1
    fi
    echo "node $i: pid $(live_pid "$i"), port $(client_port "$i"), cluster port $(bus_port "$i")"
  done
}

cmd_status() {
  local i pid role
  load_nodes
  printf '%-5s %-8s %-6s %-6s %s\n' node pid port alive role
  for ((i = 1; i <= NODES; i++)); do
    pid="$(live_pid "$i")"
    if [[ -n "$pid" ]]; then
      role="$(raft_role "$i")"
      # Without redis-cli (or an answer), PING says whether the node serves.
      [[ -z "$role" ]] && role="(ping: $(ask "$i" PING))"
      printf '%-5s %-8s %-6s %-6s %s\n' "$i" "$pid" "$(client_port "$i")" yes "$role"
    else
      printf '%-5s %-8s %-6s %-6s %s\n' "$i" - "$(client_port "$i")" no -
    fi
  done
}

cmd_stop() {
  local i
  load_nodes
  if [[ $# -ge 1 ]]; then check_node "$1"; stop_node "$1"; return; fi
  for ((i = 1; i <= NODES; i++)); do stop_node "$i"; done
}

cmd_kill() {
  local node="${2:-${1:-}}" pid  # `kill NODE`, or the issue's `kill N NODE`
  [[ -n "$node" ]] || usage
  load_nodes
  check_node "$node"
  pid="$(live_pid "$node")"
  [[ -n "$pid" ]] || die "node $node is not running"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  rm -f "$(pid_file "$node")"
  echo "node $node killed (kill -9 of pid $pid)"
}

cmd_restart() {
  [[ $# -ge 1 ]] || usage
  load_nodes
  check_node "$1"
  stop_node "$1" > /dev/null
  port_busy "$(client_port "$1")" && { echo "cluster.sh: port $(client_port "$1") is in use" >&2; exit 3; }
  launch "$1" "$NODES"
  wait_serving "$1" || exit 1
  echo "node $1: pid $(live_pid "$1"), port $(client_port "$1") (restarted)"
}

cmd_clean() {
  local i
  if [[ -f "$nodes_file" ]]; then
    load_nodes
    for ((i = 1; i <= NODES; i++)); do
      [[ -z "$(live_pid "$i")" ]] || die "node $i is running (stop first)"
    done
  fi
  rm -rf "$CLUSTER_DIR"
}

NODES=0
# What start uses when it reuses a stopped cluster's dir: the environment's ports, not the old.
env_base_port="$CLUSTER_BASE_PORT"
env_bus_base_port="$CLUSTER_BUS_BASE_PORT"

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  status) cmd_status ;;
  stop) shift; cmd_stop "$@" ;;
  kill) shift; cmd_kill "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  clean) cmd_clean ;;
  *) usage ;;
esac

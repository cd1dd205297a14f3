#!/usr/bin/env bash
# scripts/cluster.sh end to end: start 3 nodes, all answer PING, a second cluster on the same
# ports is refused, kill -9 of one node leaves the others serving, restart brings it back, stop
# leaves no process behind. Run by ctest (integration.cluster_sh) with CAIRN_SERVER set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
script="$root/scripts/cluster.sh"
: "${CAIRN_SERVER:?set CAIRN_SERVER to the cairn-server binary}"
export CAIRN_SERVER START_TIMEOUT=20
export CLUSTER_DIR; CLUSTER_DIR="$(mktemp -d /tmp/cairn-cluster-sh-XXXXXX)"
other_dir="$(mktemp -d /tmp/cairn-cluster-sh-other-XXXXXX)"

finish() {
  "$script" stop > /dev/null 2>&1 || true
  CLUSTER_DIR="$other_dir" "$script" stop > /dev/null 2>&1 || true
  rm -rf "$CLUSTER_DIR" "$other_dir"
}
trap finish EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ping_node() { timeout 5 redis-cli -p $((CLUSTER_BASE_PORT + $1)) PING 2>/dev/null || true; }
pids() { cat "$CLUSTER_DIR"/node-*.pid 2>/dev/null || true; }

# Ports below the ephemeral range, random so that parallel runs rarely meet; a taken port makes
# start exit 3, and another base is tried.
started=0
for _ in 1 2 3 4 5; do
  export CLUSTER_BASE_PORT=$((20000 + RANDOM % 2000 * 2)) CLUSTER_BUS_BASE_PORT
  CLUSTER_BUS_BASE_PORT=$((CLUSTER_BASE_PORT + 6000))
  rc=0
  "$script" start 3 || rc=$?
  if ((rc == 0)); then started=1; break; fi
  ((rc == 3)) || fail "start 3 exited $rc"
done
((started == 1)) || fail "no free ports in 5 attempts"

for i in 1 2 3; do [[ "$(ping_node "$i")" == PONG ]] || fail "node $i does not answer PING"; done
status="$("$script" status)"
echo "$status"
[[ "$(grep -c ' yes ' <<< "$status")" == 3 ]] || fail "status does not show 3 live nodes"
# The three elect one leader; status shows it (bounded wait: an election takes a fraction of a s).
for ((try = 0; try < 50; try++)); do
  status="$("$script" status)"
  [[ "$(grep -c ' leader$' <<< "$status")" == 1 && "$(grep -c 'follower (leader [123])' <<< "$status")" == 2 ]] && break
  sleep 0.1
done
echo "$status"
[[ "$(grep -c ' leader$' <<< "$status")" == 1 ]] || fail "status does not show one leader"
[[ "$(grep -c 'follower (leader [123])' <<< "$status")" == 2 ]] || fail "status does not show two followers"

# The same ports again, from another dir: refused before anything starts.
rc=0
CLUSTER_DIR="$other_dir" "$script" start 3 2> "$other_dir/err" || rc=$?
((rc == 3)) || fail "a second cluster on taken ports exited $rc, not 3"
grep -q "port $((CLUSTER_BASE_PORT + 1)) is in use" "$other_dir/err" || fail "no 'port in use' message"
[[ ! -f "$other_dir/node-1.pid" ]] || fail "the refused cluster started a node"

victim="$(cat "$CLUSTER_DIR/node-2.pid")"
"$script" kill 2
kill -0 "$victim" 2>/dev/null && fail "node 2 (pid $victim) survived kill"
[[ -z "$(ping_node 2)" ]] || fail "node 2 still answers"
for i in 1 3; do [[ "$(ping_node "$i")" == PONG ]] || fail "node $i stopped serving"; done
grep -q '^2 .* no ' <<< "$("$script" status)" || fail "status does not show node 2 down"

"$script" restart 2
[[ "$(ping_node 2)" == PONG ]] || fail "restarted node 2 does not answer PING"

before="$(pids)"
[[ "$(wc -w <<< "$before")" == 3 ]] || fail "expected 3 pid files, got: $before"
"$script" stop
for pid in $before; do kill -0 "$pid" 2>/dev/null && fail "pid $pid is still running after stop"; done
[[ -z "$(pids)" ]] || fail "pid files left after stop"
if pgrep -f -- "--dir $CLUSTER_DIR/" > /dev/null; then fail "a cairn-server of the cluster is left"; fi
echo "cluster.sh test passed"

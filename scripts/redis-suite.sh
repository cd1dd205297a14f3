#!/usr/bin/env bash
# Runs Redis 7.0.15's own Tcl test suite against Cairn, one runtest process per unit, each against
# a fresh cairn-server on a free loopback port, and holds the ratchet in tests/compat/passing.tsv.
#
#   scripts/redis-suite.sh                       every unit in tests/compat/units.tsv
#   scripts/redis-suite.sh unit/type/hash unit/expire
#   scripts/redis-suite.sh --update [unit ...]   also rewrite passing.tsv for the units run
#
# The suite comes from Debian's source package `redis` (7.0.15-1~deb12u*), fetched once into
# build/redis-src with an apt source list of its own (nothing under /etc/apt changes).
# Output: a table (passed, failed, not run, seconds, how the unit ended), then `N passed, N failed`.
# Per-test results: build/compat/results.tsv (unit<TAB>ok|err<TAB>name); logs: build/compat/logs/.
# Exit 1 when a test listed in passing.tsv fails twice (its unit is re-run once to rule out a
# timing flake); the tests that newly pass are printed so they can be added (--update).
#
# Environment:
#   CAIRN_SERVER   the server binary (default build/cairn-server)
#   SUITE_SERVER   cairn (default) | redis: run against Debian's redis-server instead, started as
#                  shared/redis-suite-units.txt says, to check the harness against the real thing
#   PASSING        the ratchet file (default tests/compat/passing.tsv)
#   UNIT_TIMEOUT   runtest --timeout: seconds without progress before a unit counts as stalled (60)
#   UNIT_WALL      seconds a whole unit may take before it is stopped (900)
#   COMPAT_DIR     where results and logs go (default build/compat)
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

server_bin=${CAIRN_SERVER:-$top/build/cairn-server}
suite_server=${SUITE_SERVER:-cairn}
passing=${PASSING:-$top/tests/compat/passing.tsv}
units_file=$top/tests/compat/units.tsv
unit_timeout=${UNIT_TIMEOUT:-60}
unit_wall=${UNIT_WALL:-900}
out=${COMPAT_DIR:-$top/build/compat}
src_root=$top/build/redis-src
suite=$src_root/redis-7.0.15
tags="-needs:debug -needs:pfdebug -needs:repl -needs:save -needs:config-maxmemory -needs:latency -needs:local-process"

update=0
units=()
for a in "$@"; do
  case "$a" in
    --update) update=1 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    unit/*) units+=("$a") ;;
    *) echo "redis-suite: unknown argument '$a' (units look like unit/type/hash)" >&2; exit 2 ;;
  esac
done
[ ${#units[@]} -gt 0 ] || mapfile -t units < <(grep -v '^#' "$units_file" | cut -f1)

die() { echo "redis-suite: $*" >&2; exit 2; }

# --- The suite: Debian's source package, fetched once. ---
fetch_suite() {
  [ -x "$suite/runtest" ] && return 0
  command -v apt-get >/dev/null || die "apt-get is needed to fetch the redis source package"
  local apt=$src_root/apt
  mkdir -p "$apt/lists/partial" "$apt/parts"
  : >"$apt/empty.list"
  # The mirror is the one this machine's apt already uses for bookworm-security.
  local uri
  uri=$(apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' \
    'Release: bookworm-security' | head -n 1)
  [ -n "$uri" ] || die "this machine's apt has no bookworm-security source to derive a deb-src from"
  printf 'Types: deb-src\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" >"$apt/parts/src.sources"
  local o=(-o "Dir::Etc::SourceList=$apt/empty.list" -o "Dir::Etc::SourceParts=$apt/parts"
    -o "Dir::State::Lists=$apt/lists" -o "APT::Sandbox::User=root")
  echo "redis-suite: fetching Debian's redis source package (once)"
  apt-get "${o[@]}" update -qq || die "apt-get update for the source list failed"
  (cd "$src_root" && apt-get "${o[@]}" source --download-only -qq redis) ||
    die "apt-get source --download-only redis failed"
  local dsc
  dsc=$(ls "$src_root"/redis_7.0.15-1~deb12u*.dsc 2>/dev/null | tail -n 1)
  [ -n "$dsc" ] || die "the source package is not 7.0.15-1~deb12u*: $(ls "$src_root"/*.dsc 2>/dev/null)"
  tar -xzf "$src_root/redis_7.0.15.orig.tar.gz" -C "$src_root" || die "cannot unpack the suite"
  [ -x "$suite/runtest" ] || die "no runtest in $suite"
}

# A free loopback port, from the kernel (tclsh is here anyway: the suite needs it).
free_port() {
  echo 'set s [socket -server x -myaddr 127.0.0.1 0]; puts [lindex [fconfigure $s -sockname] 2]' | tclsh
}

server_pid=""
start_server() {  # unit port datadir log
  mkdir -p "$3"
  if [ "$suite_server" = redis ]; then
    redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --dir "$3" >"$4" 2>&1 &
  else
    # everysec: the suite checks commands, not durability, and under `always` a pipeline of
    # writes each read back at once pays an fsync per pair (other.tcl's stresser: 60 s here).
    "$server_bin" --port "$2" --bind 127.0.0.1 --dir "$3" --appendfsync everysec >"$4" 2>&1 &
  fi
  server_pid=$!
  local i
  for i in $(seq 1 200); do
    [ "$(redis-cli -p "$2" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null
  local i
  for i in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=""
}
trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT TERM

# Runs one unit in this shell (so the traps can stop its server); appends to results.tsv and sets
# unit_row to "ok err secs ended".
unit_row=""
run_unit() {
  local unit=$1 name=${1//\//_}
  local log=$out/logs/$name.log port datadir=$out/data/$name
  rm -rf "$datadir"
  port=$(free_port)
  if ! start_server "$unit" "$port" "$datadir" "$out/logs/$name.server.log"; then
    stop_server
    unit_row="0 0 0 no-server"
    return
  fi
  local t0=$SECONDS rc
  (cd "$suite" && TERM=dumb timeout -k 10 "$unit_wall" ./runtest --host 127.0.0.1 --port "$port" \
    --single "$unit" --durable --timeout "$unit_timeout" --tags "$tags" \
    --ignore-encoding --ignore-digest) </dev/null >"$log" 2>&1
  rc=$?
  local secs=$((SECONDS - t0)) ended=normal
  if ! kill -0 "$server_pid" 2>/dev/null; then
    ended=crashed
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ] || grep -aq "^\[TIMEOUT\]" "$log"; then
    ended=stalled
  elif grep -aq '^\[exception\]' "$log"; then
    ended=exception
  elif grep -a '^\[err\]: ' "$log" | grep -avq ' in tests/[^ ]*\.tcl$'; then
    ended=setup-error  # code between tests failed: the rest of its block did not run
  fi
  stop_server
  rm -rf "$datadir"
  # "[ok]: name (N ms)" and "[err]: name in tests/unit/x.tcl" (details follow on later lines).
  sed -n -e 's/^\[ok\]: \(.*\) ([0-9]* ms)$/ok\t\1/p' \
    -e 's/^\[err\]: \(.*\) in tests\/[^ ]*\.tcl$/err\t\1/p' "$log" |
    sed "s|^|$unit\t|" >"$out/unit.tsv"
  local ok err
  ok=$(grep -c "	ok	" "$out/unit.tsv")
  err=$(grep -c "	err	" "$out/unit.tsv")
  cat "$out/unit.tsv" >>"$out/results.tsv"
  unit_row="$ok $err $secs $ended"
}

# Tests of `unit` listed in passing.tsv that results.tsv does not have as ok (with multiplicity:
# a name listed twice must pass twice).
regressions_of() {
  awk -F'\t' -v u="$1" '
    FILENAME == ARGV[1] { if ($1 == u && $2 == "ok") have[$3]++; next }
    $1 == u { if (have[$2] > 0) have[$2]--; else print $1 "\t" $2 }' "$out/results.tsv" "$passing"
}

# ok results not (or not as often) in passing.tsv.
newly_passing() {
  awk -F'\t' '
    FILENAME == ARGV[1] { listed[$1 "\t" $2]++; next }
    $2 == "ok" { k = $1 "\t" $3; if (listed[k] > 0) listed[k]--; else print k }' \
    "$passing" "$out/results.tsv"
}

main() {
  command -v tclsh >/dev/null || die "tclsh is missing: deps/install.sh compat installs tcl"
  command -v redis-cli >/dev/null || die "redis-cli is missing: deps/install.sh installs redis-tools"
  if [ "$suite_server" = cairn ]; then
    [ -x "$server_bin" ] || die "no server binary at $server_bin (make build first)"
  else
    command -v redis-server >/dev/null || die "SUITE_SERVER=redis needs redis-server"
  fi
  fetch_suite
  # Tests that shell out to the bundled tools find Debian's.
  mkdir -p "$suite/src"
  for t in redis-cli redis-benchmark; do
    [ -e "$suite/src/$t" ] || ln -s "$(command -v $t)" "$suite/src/$t"
  done
  touch "$passing"
  mkdir -p "$out/logs" "$out/data"
  : >"$out/results.tsv"

  declare -A row
  local unit
  for unit in "${units[@]}"; do
    printf 'redis-suite: %-26s ' "$unit" >&2
    run_unit "$unit"
    row[$unit]=$unit_row
    echo "$unit_row" >&2
  done

  # The ratchet: a listed test that failed gets its unit re-run once (timing flakes).
  local regressed=()
  for unit in "${units[@]}"; do
    [ -n "$(regressions_of "$unit")" ] || continue
    echo "redis-suite: $unit lost listed tests; running it again" >&2
    grep -v "^$unit	" "$out/results.tsv" >"$out/results.keep"
    mv "$out/results.keep" "$out/results.tsv"
    run_unit "$unit"
    row[$unit]=$unit_row
    [ -n "$(regressions_of "$unit")" ] && regressed+=("$unit")
  done

  local fresh
  fresh=$(newly_passing)
  if [ $update -eq 1 ]; then
    { for unit in "${units[@]}"; do printf '%s\n' "$unit"; done |
        awk -F'\t' 'FILENAME == ARGV[1] { run[$1] = 1; next } !($1 in run)' - "$passing"
      awk -F'\t' '$2 == "ok" { print $1 "\t" $3 }' "$out/results.tsv"
    } | LC_ALL=C sort >"$passing.new"
    mv "$passing.new" "$passing"
    echo "redis-suite: $passing rewritten for the units run"
  elif [ -n "$fresh" ]; then
    echo "Newly passing (not yet in $(basename "$passing"); add them with --update):"
    echo "$fresh" | sed 's/^/  /'
  fi
  if [ ${#regressed[@]} -gt 0 ]; then
    echo "REGRESSIONS: tests listed in $(basename "$passing") that fail (twice):"
    for unit in "${regressed[@]}"; do regressions_of "$unit" | sed 's/^/  /'; done
  fi

  echo
  printf '%-26s %7s %7s %8s %8s %7s  %s\n' unit passed failed "not run" target seconds ended
  local tp=0 tf=0 target ok err secs ended notrun
  for unit in "${units[@]}"; do
    read -r ok err secs ended <<<"${row[$unit]}"
    target=$(awk -F'\t' -v u="$unit" '$1 == u { print $2 }' "$units_file")
    target=${target:-0}
    notrun=$((target - ok - err))
    [ $notrun -lt 0 ] && notrun=0
    printf '%-26s %7d %7d %8d %8d %7d  %s\n' "$unit" "$ok" "$err" "$notrun" "$target" "$secs" "$ended"
    tp=$((tp + ok))
    tf=$((tf + err))
  done
  echo "$tp passed, $tf failed"
  # The ratchet's own tally, for CI's last line: listed tests kept, listed tests lost.
  local listed lost=0
  listed=$(for unit in "${units[@]}"; do awk -F'\t' -v u="$unit" '$1 == u' "$passing"; done | wc -l)
  for unit in "${regressed[@]}"; do lost=$((lost + $(regressions_of "$unit" | wc -l))); done
  echo "ratchet: $((listed - lost)) passed, $lost failed" >"$out/ratchet.txt"
  [ ${#regressed[@]} -eq 0 ]
}

main

#!/usr/bin/env bash
# Proves the compatibility ratchet bites: builds a deliberately broken cairn-server (GET answers
# the stored value with an "x" appended) from a copy of the source, runs the suite's string units
# against it with the checked-in tests/compat/passing.tsv, and passes only if the suite script
# fails and names GET tests among the regressions. Then a server killed in the middle of a unit:
# that unit must be reported "crashed" and the next unit must still run. `make compat-selftest`
# runs it; so does CI.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
work=$top/build/compat-selftest
src=$work/src-tree
bld=$work/build

rm -rf "$src"
mkdir -p "$src" "$bld"
cp -r CMakeLists.txt src tests integration scripts "$src"/
target=$src/src/commands/string_cmds.cc
before=$(md5sum "$target")
sed -i 's/^  ctx.reply.Bulk(e->value);$/  ctx.reply.Bulk(e->value + "x");  \/\/ the planted bug/' "$target"
if [ "$(md5sum "$target")" = "$before" ]; then
  echo "selftest: the GET mutation no longer applies to $target; update this script" >&2
  exit 2
fi
echo "selftest: building the broken server in $bld"
cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$bld" -j "${JOBS:-2}" --target cairn-server >/dev/null

set +e
CAIRN_SERVER=$bld/cairn-server COMPAT_DIR=$work/out \
  bash scripts/redis-suite.sh unit/type/string unit/type/incr >"$work/suite.out" 2>&1
rc=$?
set -e
if [ $rc -ne 1 ]; then
  cat "$work/suite.out"
  echo "selftest: FAILED: the suite script exited $rc against a server whose GET is wrong (want 1)" >&2
  exit 1
fi
regressions=$(sed -n '/^REGRESSIONS/,/^$/p' "$work/suite.out" | grep -c '^  unit/' || true)
if ! sed -n '/^REGRESSIONS/,/^$/p' "$work/suite.out" | grep -q 'GET'; then
  cat "$work/suite.out"
  echo "selftest: FAILED: no GET test among the regressions" >&2
  exit 1
fi
echo "selftest: ok: the broken GET cost $regressions listed tests and failed the run, as it must"

# A server that dies mid-unit costs that unit only.
crasher=$work/crashing-server.sh
cat >"$crasher" <<CRASH
#!/usr/bin/env bash
# cairn-server, killed with SIGKILL two seconds after it starts. Stopped sooner (its unit ended
# first), it takes the server down with it: a server it started must not outlive it.
"$top/build/cairn-server" "\$@" &
pid=\$!
trap 'kill -9 \$pid 2>/dev/null; wait \$pid; exit 143' TERM INT
sleep 2 &
sleeper=\$!
trap 'kill -9 \$pid \$sleeper 2>/dev/null; wait \$pid; exit 143' TERM INT
wait \$sleeper
kill -9 \$pid
wait \$pid
CRASH
chmod +x "$crasher"
set +e
CAIRN_SERVER=$crasher COMPAT_DIR=$work/out-crash \
  bash scripts/redis-suite.sh unit/type/string unit/quit >"$work/crash.out" 2>&1
set -e
# Every server the wrapper started is gone (the suite script stops the wrapper by its PID).
if pgrep -f -- "--dir $work/out-crash/" > /dev/null; then
  pgrep -fa -- "--dir $work/out-crash/" >&2
  echo "selftest: FAILED: a server of the crash run outlived it" >&2
  exit 1
fi
if ! grep -Eq '^unit/type/string .* crashed$' "$work/crash.out" ||
   ! grep -Eq '^unit/quit +3 +0 .* normal$' "$work/crash.out"; then
  cat "$work/crash.out"
  echo "selftest: FAILED: a crash mid-unit was not reported as one, or cost the next unit" >&2
  exit 1
fi
echo "selftest: ok: a server killed mid-unit is reported as crashed and the next unit still runs"

#!/usr/bin/env bash
# Proves the compatibility ratchet bites: builds a deliberately broken cairn-server (GET answers
# the stored value with an "x" appended) from a copy of the source, runs the suite's string units
# against it with the checked-in tests/compat/passing.tsv, and passes only if the suite script
# fails and names GET tests among the regressions. `make compat-selftest` runs it; so does CI.
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

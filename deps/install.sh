#!/usr/bin/env bash
# Installs the Debian packages Cairn builds, tests and benchmarks with, only when missing.
# Idempotent: a machine that already has everything makes no apt call at all.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libuv1-dev libleveldb-dev libsnappy-dev nlohmann-json3-dev libroaring-dev
  doctest-dev libtomlplusplus-dev libhiredis-dev redis-tools libssl-dev
)
# Extra sets, asked for by name: `deps/install.sh fuzz`, `bench` or `compat`.
for extra in "$@"; do
  case "$extra" in
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    bench) packages+=(redis-server) ;;
    compat) packages+=(tcl) ;;  # tclsh runs Redis's own test suite (scripts/redis-suite.sh)
    *) echo "deps/install.sh: unknown extra '$extra' (fuzz, bench, compat)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Builds the RESP parser's libFuzzer target with clang (fuzzer + ASan + UBSan) and fuzzes it for a
# bounded time: FUZZ_SECONDS (default 60). It works on a copy of tests/fuzz/corpus in
# build/fuzz/corpus, so new inputs never dirty the tree; a crash is saved as build/fuzz/crash-*,
# and the script exits non-zero. To keep a finding as a regression seed, copy it into
# tests/fuzz/corpus/ (make test then replays it through parser_corpus_replay).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

deps/install.sh fuzz

out=build/fuzz
seconds="${FUZZ_SECONDS:-60}"
mkdir -p "$out/corpus"
# Fresh seeds each run; inputs found by earlier runs stay, so a corpus grows across runs.
cp tests/fuzz/corpus/* "$out/corpus/"

echo "fuzz: building $out/parser_fuzz"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I src tests/fuzz/parser_fuzz.cc src/resp/parser.cc src/resp/reply_builder.cc \
  -o "$out/parser_fuzz"

echo "fuzz: running for ${seconds}s on $out/corpus"
# -max_len: far past the target's tight limits (128-byte lines), small enough for many execs/s.
# -timeout catches accidental quadratic behaviour; -rss_limit_mb a reserve from a claimed length.
"$out/parser_fuzz" \
  -max_total_time="$seconds" \
  -max_len=8192 \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -dict=tests/fuzz/resp.dict \
  -artifact_prefix="$out/" \
  -print_final_stats=1 \
  "$out/corpus"

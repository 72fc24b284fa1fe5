#!/usr/bin/env bash
# Builds every libFuzzer target under tests/fuzz/ with clang (ASan + UBSan, UB is fatal) and runs
# each one for a bounded time over its seed corpus. Exits non-zero when a build fails or a fuzzer
# finds a crash, leak, timeout or sanitizer report; the reproducer is left in $FUZZ_BUILD_DIR.
#
#   FUZZ_SECONDS   time per fuzzer (default 30)
#   FUZZ_BUILD_DIR where binaries, working corpora and crash artifacts go (default build-fuzz)
#   CLANGXX        compiler (default clang++-14, else clang++)
#   FUZZ_JOBS      build parallelism (default 2)
#
# Usage: tests/fuzz/run_fuzzers.sh [fuzzer-name ...]   (default: all)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${FUZZ_SECONDS:-30}"
build="${FUZZ_BUILD_DIR:-$repo/build-fuzz}"
jobs="${FUZZ_JOBS:-2}"
cxx="${CLANGXX:-$(command -v clang++-14 || command -v clang++)}"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -I"$repo/src")

# name -> the sources it links besides its own .cpp (globs relative to the repo).
declare -A sources=(
  [template_fuzzer]="src/templating/*.cpp src/common/*.cpp"
  [jwt_fuzzer]="src/auth/*.cpp src/common/*.cpp"
)
declare -A libraries=(
  [template_fuzzer]="-lcrypto"
  [jwt_fuzzer]="-lcrypto"
)

names=("$@")
if [ ${#names[@]} -eq 0 ]; then names=("${!sources[@]}"); fi
mkdir -p "$build"
status=0
for name in "${names[@]}"; do
  if [ -z "${sources[$name]+set}" ]; then echo "unknown fuzzer $name" >&2; exit 2; fi
  echo "== building $name"
  objdir="$build/obj/$name"
  mkdir -p "$objdir"
  objects=()
  # Compile each translation unit separately (in parallel) so a rebuild only redoes what changed.
  pids=()
  for source in "tests/fuzz/$name.cpp" $(cd "$repo" && echo ${sources[$name]}); do
    object="$objdir/$(echo "$source" | tr '/' '_').o"
    objects+=("$object")
    if [ ! -f "$object" ] || [ "$repo/$source" -nt "$object" ] || [ -n "$(find "$repo/src" -name '*.h' -newer "$object" -print -quit)" ]; then
      "$cxx" "${flags[@]}" -c "$repo/$source" -o "$object" &
      pids+=($!)
      if [ ${#pids[@]} -ge "$jobs" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  # shellcheck disable=SC2086
  "$cxx" "${flags[@]}" "${objects[@]}" ${libraries[$name]} -o "$build/$name"

  corpus="$repo/tests/fuzz/corpus/${name%_fuzzer}"
  work="$build/corpus/$name"
  mkdir -p "$work" "$build/artifacts/$name"
  echo "== running $name for ${seconds}s"
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
      "$build/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/artifacts/$name/" "$work" "$corpus"; then
    echo "!! $name failed; reproducers in $build/artifacts/$name/" >&2
    status=1
  fi
done
exit $status

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the libFuzzer targets of a -Dfuzzing=true build, one after the other, and reports TAP.
#
#   tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS] [TARGET...]
#
# SECONDS per target (default 60; EPISTLE_FUZZ_SECONDS overrides it, so that `meson test --suite
# fuzz` can be lengthened); 0 only replays the seed corpus once. TARGET names such as
# "smtp-reply" (default: all). Each target starts from a copy of tests/fuzz/corpus/TARGET (the
# inputs it generates never land in the source tree), with tests/fuzz/dict/TARGET.dict when
# there is one; working files go to /dev/shm (EPISTLE_FUZZ_TMPDIR overrides) and are removed.
# EPISTLE_FUZZ_SEED=N fixes libFuzzer's random seed (the test suite sets it: a CI run then
# explores the same inputs as a local run with that seed, so a finding there can be reproduced
# and looked for beforehand; without it each run explores afresh).
# A crash, leak, timeout (-timeout=10) or excess memory (-rss_limit_mb=2048) fails the target;
# its input is kept in BUILDDIR/fuzz-artifacts/TARGET/ and named in the output.
# Exit status: 0 when every target ran clean, 1 otherwise, 2 on a usage error.
set -u

usage () {
  echo "usage: $0 BUILDDIR [SECONDS] [TARGET...]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
builddir=$(cd "$1" 2>/dev/null && pwd) || { echo "$0: no build directory $1" >&2; exit 2; }
shift
seconds=60
if [ $# -ge 1 ]; then
  seconds=$1
  shift
fi
seconds=${EPISTLE_FUZZ_SECONDS:-$seconds}
case $seconds in
  ''|*[!0-9]*) echo "$0: SECONDS must be a whole number" >&2; exit 2 ;;
esac

srcdir=$(cd "$(dirname "$0")" && pwd)
all_targets="smtp-reply smtp-capabilities smtp-sasl address rfc2047 base64 qp mime-parser
sandbox-session mailto profile-store draft-store autoconfig imap-response"
targets=${*:-$all_targets}

# Inputs larger than libFuzzer's default of 4096 octets where the format needs room.
max_len_for () {
  case $1 in
    mime-parser) echo 65536 ;;
    sandbox-session) echo 16384 ;;
    profile-store|draft-store|autoconfig) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# On tmpfs when there is one: the stores fsync every file they write, and so would a disk.
work=$(mktemp -d "${EPISTLE_FUZZ_TMPDIR:-/dev/shm}/epistle-fuzz.XXXXXX" 2>/dev/null) ||
  work=$(mktemp -d "${TMPDIR:-/tmp}/epistle-fuzz.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# The targets make their own temporary directories; a crashing one cannot remove its own.
export TMPDIR="$work"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# shellcheck disable=SC2086 # the list is split on purpose
count=$(printf '%s\n' $targets | wc -l)
echo "1..$count"

n=0
failed=0
for target in $targets; do
  n=$((n + 1))
  exe="$builddir/tests/fuzz/fuzz-$target"
  seeds="$srcdir/corpus/$target"
  if [ ! -x "$exe" ]; then
    echo "not ok $n - $target # $exe is missing (configure with CC=clang -Dfuzzing=true and build)"
    failed=1
    continue
  fi
  if [ ! -d "$seeds" ]; then
    echo "not ok $n - $target # no seed corpus $seeds"
    failed=1
    continue
  fi

  corpus="$work/corpus-$target"
  artifacts="$builddir/fuzz-artifacts/$target"
  log="$work/$target.log"
  mkdir -p "$corpus" "$artifacts"
  cp "$seeds"/* "$corpus"/ 2>/dev/null
  set -- -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_for "$target")" \
         -artifact_prefix="$artifacts/" -print_final_stats=1
  if [ -f "$srcdir/dict/$target.dict" ]; then
    set -- "$@" -dict="$srcdir/dict/$target.dict"
  fi
  if [ -n "${EPISTLE_FUZZ_SEED:-}" ]; then
    set -- "$@" -seed="$EPISTLE_FUZZ_SEED"
  fi
  if [ "$seconds" -eq 0 ]; then
    # Replay: every seed once, nothing new.
    set -- "$@" -runs=0 "$corpus"
  else
    set -- "$@" -max_total_time="$seconds" "$corpus"
  fi

  "$exe" "$@" >"$log" 2>&1
  rc=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/^#[0-9]*.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
  [ -n "$cov" ] || cov=$(sed -n 's/^#[0-9]*.*cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
  corpus_size=$(find "$corpus" -type f | wc -l)
  summary="${runs:-?} runs, ${cov:-?} coverage edges, corpus ${corpus_size} inputs"

  if [ $rc -eq 0 ]; then
    echo "ok $n - $target: $summary"
  else
    failed=1
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "not ok $n - $target: exit status $rc after $summary"
    [ -n "$crash" ] && echo "# input kept: $crash"
    echo "# reproduce: $exe $crash"
    # The sanitizer's or the check's report, for the CI log.
    grep -m 1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|check failed:|CRITICAL|WARNING|ALERT|Timeout|out-of-memory' "$log" \
      | sed 's/^/# first sign: /'
    tail -n 60 "$log" | sed 's/^/# /'
  fi
done

exit $failed

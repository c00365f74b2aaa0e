#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The hooks bench/app reads (src/app/main.c): with EPISTLE_BENCH_FIRST_FRAME_FD the first frame
# of the first window is reported once; with EPISTLE_BENCH_STALL_FD the main loop's largest gaps
# are written every 100 ms. A hook that broke would leave bench/app with nothing to measure.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
plan 5
frame="$EPISTLE_TEST_TMPDIR/frame.log"
stall="$EPISTLE_TEST_TMPDIR/stall.log"

monotonic_us () {
  "${PYTHON:-/usr/bin/python3}" -c 'import time; print(time.monotonic_ns() // 1000)'
}

before=$(monotonic_us)
EPISTLE_BENCH_FIRST_FRAME_FD=7 EPISTLE_BENCH_STALL_FD=8 \
  "$EPISTLE" >"$EPISTLE_TEST_TMPDIR/app.log" 2>&1 7>"$frame" 8>"$stall" &
pid=$!
if wait_window '^New Message$' 10; then ok "the compose window appears"
else nok "the compose window appears"; fi
sleep 1.5

# One line, "first_frame_us=N", N in CLOCK_MONOTONIC microseconds (the clock bench/app reads
# with time.monotonic()): after the start, before now.
lines=$(wc -l <"$frame")
value=$(sed -n 's/^first_frame_us=\([0-9]*\)$/\1/p' "$frame")
if [ "$lines" -eq 1 ] && [ -n "$value" ]; then ok "the first frame is reported once"
else nok "the first frame is reported once"; diag_file "$frame"; fi
now=$(monotonic_us)
if [ -n "$value" ] && [ "$value" -gt "$before" ] && [ "$value" -lt "$now" ]; then
  ok "the first frame's time is on the monotonic clock, after the start"
else
  nok "the first frame's time is on the monotonic clock, after the start"
  diag "start ${before} us, now ${now} us, first frame: $(cat "$frame")"
fi

# About ten lines a second, each "t_us=T max_gap_us=G max_busy_us=B".
periods=$(grep -c '^t_us=[0-9]* max_gap_us=[0-9]* max_busy_us=[0-9]*$' "$stall")
others=$(grep -vc '^t_us=[0-9]* max_gap_us=[0-9]* max_busy_us=[0-9]*$' "$stall")
if [ "$periods" -ge 5 ] && [ "$others" -eq 0 ]; then
  ok "the stall probe writes a line per 100 ms ($periods in about 1.5 s)"
else
  nok "the stall probe writes a line per 100 ms ($periods in about 1.5 s, $others other lines)"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check_app_log "$EPISTLE_TEST_TMPDIR/app.log"
done_testing

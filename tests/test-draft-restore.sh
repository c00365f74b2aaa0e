#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Nothing typed is lost: type into the real app, kill it hard, start it again: the message is back.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# The window, the draft saved, kept through kill -9, reopened; the app's logs.
plan 5
shots="${EPISTLE_BUILDDIR}/screenshots"
mkdir -p "$shots"
drafts="$XDG_DATA_HOME/epistle/drafts"
attachment="$EPISTLE_TEST_TMPDIR/budget.ods"
printf 'not really a spreadsheet' > "$attachment"

"$EPISTLE" --attach "$attachment" >"$EPISTLE_TEST_TMPDIR/app1.log" 2>&1 &
pid=$!
if wait_window '^New Message$' 10; then ok "the compose window appears"; else nok "the compose window appears"; fi
sleep 0.5
# Focus starts in To; Alt+U is the Subject's mnemonic.
xdotool type --delay 5 'ann@example.org'
xdotool key alt+u
xdotool type --delay 5 'Budget for 2027'
started=$(date +%s%N)
# Saved within 2 s of the last change, without closing anything.
found=""
for i in $(seq 1 40); do
  if grep -ls 'Budget for 2027' "$drafts"/*.ini >/dev/null 2>&1; then found=1; break; fi
  sleep 0.05
done
elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
if [ -n "$found" ]; then ok "the draft is on disk ${elapsed} ms after typing stopped"; else nok "the draft is on disk within 2 s"; fi

kill -9 "$pid"
wait "$pid" 2>/dev/null
if grep -qs 'ann@example.org' "$drafts"/*.ini && grep -qs 'budget.ods' "$drafts"/*.ini; then
  ok "after kill -9 the draft holds the recipient and the attachment reference"
else
  nok "after kill -9 the draft holds the recipient and the attachment reference"
  cat "$drafts"/*.ini 2>/dev/null | diag_file
fi

"$EPISTLE" >"$EPISTLE_TEST_TMPDIR/app2.log" 2>&1 &
pid=$!
if wait_window '^Budget for 2027$' 10; then ok "the next start reopens the message"; else nok "the next start reopens the message"; fi
sleep 1
screenshot "$shots/draft-restored.png"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check_app_log "$EPISTLE_TEST_TMPDIR"/app*.log
done_testing

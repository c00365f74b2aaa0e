#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Send goes through the Outbox, for real: in the real app, Ctrl+Return puts the message in the
# Outbox for the undo time and Ctrl+Z takes it back (nothing reaches the built-in Sandbox, the
# draft is back); sent again and the app killed with SIGKILL within the undo time, the message
# waits in the Outbox and the next start delivers it by itself, exactly once (the Sandbox's
# inbox counts), and Sent keeps it.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# The window; in the Outbox; undone; the draft back; nothing delivered; kept through kill -9;
# delivered after the restart; once only; the Outbox empty; Sent; the app's logs.
plan 11
shots="${EPISTLE_BUILDDIR}/screenshots"
mkdir -p "$shots"
tmp="$EPISTLE_TEST_TMPDIR"
outbox="$XDG_DATA_HOME/epistle/outbox"
inbox="$XDG_DATA_HOME/epistle/sandbox/inbox"
drafts="$XDG_DATA_HOME/epistle/drafts"
sent="$XDG_DATA_HOME/epistle/sent"

count () {
  ls -d "$@" 2>/dev/null | wc -l
}

# The outbox holds N entries (an entry is a folder with its meta file) within S seconds.
wait_outbox () {
  timeout "$2" sh -c "until [ \$(ls -d '$outbox'/*/ 2>/dev/null | wc -l) -eq $1 ]; do sleep 0.05; done"
}

"$EPISTLE" >"$tmp/app1.log" 2>&1 &
pid=$!
if wait_window '^New Message$' 10; then ok "the compose window appears"; else nok "the compose window appears"; fi
sleep 0.5
xdotool type --delay 5 'ann@example.org'
xdotool key alt+u
xdotool type --delay 5 'Not so fast'
xdotool key Tab
xdotool type --delay 5 'Second thoughts.'
sleep 1.5

# The undo time is 5 s by default.
xdotool key ctrl+Return
if wait_outbox 1 5; then ok "Ctrl+Return puts the message in the Outbox"; else nok "Ctrl+Return puts the message in the Outbox"; fi
screenshot "$shots/outbox-undo-toast.png"
xdotool key ctrl+z
if wait_outbox 0 3; then ok "Ctrl+Z within the undo time takes it out again"; else nok "Ctrl+Z within the undo time takes it out again"; fi
if timeout 3 sh -c "until grep -ls 'Not so fast' '$drafts'/*.ini >/dev/null 2>&1; do sleep 0.05; done"; then
  ok "the message is a draft again"
else
  nok "the message is a draft again"
fi
sleep 6
screenshot "$shots/outbox-undone.png"
check "nothing reached the Sandbox, past the undo time too" [ "$(count "$inbox"/*.eml)" -eq 0 ]

# Sent again, and the app killed within the undo time.
xdotool key ctrl+Return
wait_outbox 1 5
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "after kill -9 within the undo time, the message waits in the Outbox" \
  [ "$(count "$outbox"/*/)" -eq 1 -a "$(count "$inbox"/*.eml)" -eq 0 ]

"$EPISTLE" >"$tmp/app2.log" 2>&1 &
pid=$!
wait_window '^New Message$' 10
if wait_for_inbox 20; then ok "the next start delivers it without a click"; else nok "the next start delivers it without a click"; diag_file "$tmp/app2.log"; fi
sleep 3
check "delivered exactly once" [ "$(count "$inbox"/*.eml)" -eq 1 ]
if [ "$(count "$inbox"/*.eml)" -eq 1 ] && grep -q 'Second thoughts.' "$inbox"/*.eml; then :; else diag "inbox: $(ls "$inbox" 2>&1)"; fi
check "the Outbox is empty" [ "$(count "$outbox"/*/)" -eq 0 ]
check "Sent keeps it" [ "$(count "$sent"/*/message.eml)" -eq 1 ]
screenshot "$shots/outbox-delivered-after-restart.png"

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check_app_log "$tmp"/app*.log
done_testing

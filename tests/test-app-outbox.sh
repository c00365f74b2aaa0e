#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Send goes through the Outbox, for real: in the real app, Ctrl+Return puts the message in the
# Outbox for the undo time and Ctrl+Z takes it back (nothing reaches the built-in Sandbox, the
# draft is back); sent again and the app killed with SIGKILL within the undo time, the message
# waits in the Outbox and the next start delivers it by itself, exactly once (the Sandbox's
# inbox counts), and Sent keeps it. A window closed within the undo time does not stop the
# message: the app keeps running until it is out, then ends.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# The window; in the Outbox; undone; the draft back; nothing delivered; kept through kill -9;
# delivered after the restart; once only; the Outbox empty; Sent; a window closed within the
# undo time: no question, still delivered, then the app ends; the app's logs.
plan 14
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

# The window closed within the undo time: Send was pressed, so the app stays until the message
# is out, and then ends by itself.
sleep 0.5
xdotool type --delay 5 'bob@example.org'
xdotool key alt+u
xdotool type --delay 5 'After the window'
xdotool key ctrl+Return
wait_outbox 1 5
xdotool key ctrl+w
if wait_gone '^After the window$' 3; then ok "closing the window within the undo time asks nothing"; else nok "closing the window within the undo time asks nothing"; fi
if timeout 20 sh -c "until [ \$(ls '$inbox'/*.eml 2>/dev/null | wc -l) -eq 2 ]; do sleep 0.1; done"; then
  ok "the app sends it after its last window closed"
else
  nok "the app sends it after its last window closed"
fi
if timeout 10 sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.1; done"; then
  ok "then the app ends by itself"
else
  nok "then the app ends by itself"
fi

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check_app_log "$tmp"/app*.log
done_testing

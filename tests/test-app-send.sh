#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole thing, as a user does it: start the real app on a fresh HOME, type a message, drag a
# real PNG file (and a text file) onto the window with a real X11 drag, press Ctrl+Return. The
# built-in Sandbox must receive the PNG byte-identical, and Sent must keep the exact same bytes.
# The Sandbox Inbox then shows the message, read through AT-SPI: its recipient, its text, the
# text file's name and the picture previewed.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# Five on the way to the Sandbox; the Inbox window, its message view (a11y_check: the window, two
# texts, the file name, the picture, the names, the checker's run); the app's log.
plan $((5 + 1 + 7 + 1))
shots="${EPISTLE_BUILDDIR}/screenshots"
mkdir -p "$shots"
tmp="$EPISTLE_TEST_TMPDIR"
inbox="$XDG_DATA_HOME/epistle/sandbox/inbox"
sent="$XDG_DATA_HOME/epistle/sent"

# A real picture (a gradient), and a small text file.
convert -size 320x200 gradient:'#3584e4-#f6d32d' "$tmp/trip photo.png"
printf 'Itinerary\n- day 1\n- day 2\n' > "$tmp/itinerary.txt"

drag () {
  /usr/bin/python3 "$EPISTLE_SRCDIR/tests/dnd-source.py" "$1" > "$tmp/source.out" &
  src=$!
  for i in $(seq 1 50); do grep -q READY "$tmp/source.out" 2>/dev/null && break; sleep 0.1; done
  set -- $(grep READY "$tmp/source.out" | head -1)
  sx=$2; sy=$3
  sleep 0.3
  xdotool mousemove "$sx" "$sy" mousedown 1
  for i in $(seq 1 16); do
    xdotool mousemove $((sx + (380 - sx) * i / 16)) $((sy + (400 - sy) * i / 16))
    sleep 0.05
  done
  sleep 0.3
  xdotool mouseup 1
  sleep 1
  kill "$src" 2>/dev/null; wait "$src" 2>/dev/null
}

# Accessibility on, so that the message view can be read back at the end.
start_atspi
GTK_A11Y=atspi "$EPISTLE" >"$tmp/app.log" 2>&1 &
pid=$!
if wait_window '^New Message$' 10; then ok "the compose window appears"; else nok "the compose window appears"; fi
sleep 0.5
xdotool type --delay 5 'Ann <ann@example.org>'
xdotool key alt+u
xdotool type --delay 5 'Photo from the trip'
xdotool key Tab
xdotool type --delay 5 'Here is the picture.'

drag "$tmp/trip photo.png"
drag "$tmp/itinerary.txt"
sleep 0.5
screenshot "$shots/composer-two-attachments.png"

xdotool key ctrl+Return
# The message waits out the undo time (5 s by default) in the Outbox first.
if wait_for_inbox 20; then ok "Ctrl+Return delivered the message to the Sandbox"; else nok "Ctrl+Return delivered the message to the Sandbox"; diag_file "$tmp/app.log"; fi
sleep 1
screenshot "$shots/message-sent.png"

eml=$(ls "$inbox"/*.eml 2>/dev/null | head -1)
if [ -n "$eml" ] && /usr/bin/python3 - "$eml" "$tmp/trip photo.png" "$tmp/itinerary.txt" <<'PY'
import email, email.policy, hashlib, sys
msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
assert msg['Subject'] == 'Photo from the trip', msg['Subject']
assert msg['To'] == 'Ann <ann@example.org>', msg['To']
parts = {p.get_filename(): p.get_content() for p in msg.iter_attachments()}
png = open(sys.argv[2], 'rb').read()
txt = open(sys.argv[3], 'rb').read()
assert hashlib.sha256(parts['trip photo.png']).digest() == hashlib.sha256(png).digest(), 'PNG differs'
got = parts['itinerary.txt']
got = got.encode() if isinstance(got, str) else got
assert got.replace(b'\r\n', b'\n') == txt, got
body = msg.get_body(('plain',)).get_content()
assert 'Here is the picture.' in body, body
PY
then ok "the Sandbox received the PNG byte-identical, the text file, subject and body"
else nok "the Sandbox received the PNG byte-identical, the text file, subject and body"; fi

copy=$(ls "$sent"/*/message.eml 2>/dev/null | head -1)
if [ -n "$copy" ] && cmp -s "$copy" "$eml"; then ok "Sent keeps exactly the bytes the server received"
else nok "Sent keeps exactly the bytes the server received"; ls -R "$sent" 2>&1 | diag_file; fi

if ls "$XDG_DATA_HOME/epistle/drafts/"*.ini >/dev/null 2>&1; then nok "the draft is gone after the confirmed send"
else ok "the draft is gone after the confirmed send"; fi

# The Sandbox Inbox shows it (opened through the app's D-Bus actions, as the main menu does): the
# message view has what only it shows (the list shows subject and sender), the picture previewed.
gdbus call --session --dest io.github.epistlemail.Epistle --object-path /io/github/epistlemail/Epistle \
  --method org.gtk.Actions.Activate sandbox-inbox '[]' '{}' >/dev/null
if wait_window '^Sandbox Inbox$' 10; then ok "the Sandbox Inbox opens"; else nok "the Sandbox Inbox opens"; fi
a11y_check "Sandbox Inbox" --shows 'ann@example.org' 'Here is the picture.' 'itinerary.txt' \
  --picture 'trip photo.png'
screenshot "$shots/sandbox-inbox-received.png"

kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
kill "$atspi_pid" 2>/dev/null; wait "$atspi_pid" 2>/dev/null
check_app_log "$tmp/app.log"
done_testing

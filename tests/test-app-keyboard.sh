#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole flow from the keyboard alone (accessibility): the real app under Xvfb, no
# mouse at all. Type the recipient, reach Subject by its mnemonic and the body with Tab, open the
# file chooser with Ctrl+Shift+A and pick a file by typing its path, send with Ctrl+Return. The
# built-in Sandbox must receive the message with the file byte-identical.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# The window, the chooser opened and closed, sent, the message received, the app's log.
plan 6
shots="${EPISTLE_BUILDDIR}/screenshots"
mkdir -p "$shots"
tmp="$EPISTLE_TEST_TMPDIR"
inbox="$XDG_DATA_HOME/epistle/sandbox/inbox"

head -c 300000 /dev/urandom > "$tmp/report.bin"

# The desktop's notification daemon: with no window manager, whether the window is still the
# active one after the chooser closed depends on timing, and a "Message sent" notification must
# then reach a daemon rather than end in a GLib warning. (test-window-send checks the
# notification itself, deterministically.)
/usr/bin/python3 "$EPISTLE_SRCDIR/tests/notification-server.py" "$tmp/notifications.log" > "$tmp/notify.out" &
notifier=$!
for i in $(seq 1 50); do grep -q READY "$tmp/notify.out" 2>/dev/null && break; sleep 0.1; done

"$EPISTLE" >"$tmp/app.log" 2>&1 &
pid=$!
if wait_window '^New Message$' 10; then ok "the compose window appears"; else nok "the compose window appears"; fi
sleep 0.5
# Focus starts in To.
xdotool type --delay 5 'bob@example.org'
xdotool key alt+u
xdotool type --delay 5 'Quarterly report'
xdotool key Tab
xdotool type --delay 5 'Attached, as promised.'

xdotool key ctrl+shift+a
if wait_window '^Attach Files$' 10; then ok "Ctrl+Shift+A opens the file chooser"; else nok "Ctrl+Shift+A opens the file chooser"; fi
sleep 0.7
# GTK's chooser: Ctrl+L opens the location entry; the path, then Enter, picks the file.
xdotool key ctrl+l
sleep 0.3
xdotool type --delay 5 "$tmp/report.bin"
sleep 0.3
screenshot "$shots/keyboard-file-chooser.png"
xdotool key Return
if wait_gone '^Attach Files$' 10; then ok "Enter in the chooser attaches the typed path"; else nok "Enter in the chooser attaches the typed path"; fi
sleep 0.7
screenshot "$shots/keyboard-attached.png"

xdotool key ctrl+Return
# The message waits out the undo time (5 s by default) in the Outbox first.
if wait_for_inbox 20; then ok "Ctrl+Return sent the message"; else nok "Ctrl+Return sent the message"; diag_file "$tmp/app.log"; fi

eml=$(ls "$inbox"/*.eml 2>/dev/null | head -1)
if [ -n "$eml" ] && /usr/bin/python3 - "$eml" "$tmp/report.bin" <<'PY'
import email, email.policy, sys
msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
assert msg['To'] == 'bob@example.org', msg['To']
assert msg['Subject'] == 'Quarterly report', msg['Subject']
assert 'Attached, as promised.' in msg.get_body(('plain',)).get_content()
parts = {p.get_filename(): p for p in msg.iter_attachments()}
assert list(parts) == ['report.bin'], list(parts)
part = parts['report.bin']
got = part.get_payload(decode=True)
want = open(sys.argv[2], 'rb').read()
if got != want:
    first = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), min(len(got), len(want)))
    raise AssertionError('attachment differs: %s, %s, %d octets received, %d sent, first difference at %d'
                         % (part.get_content_type(), part['Content-Transfer-Encoding'], len(got), len(want), first))
PY
then ok "the Sandbox received recipient, subject, body and the file byte-identical"
else nok "the Sandbox received recipient, subject, body and the file byte-identical"; [ -n "$eml" ] && grep -a -i -E "^(content-|mime-)" "$eml" | diag_file /dev/stdin; fi

kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
kill "$notifier" 2>/dev/null; wait "$notifier" 2>/dev/null
check_app_log "$tmp/app.log"
done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Accessibility: the real app, read through AT-SPI as a screen reader reads it. Every
# control on screen has a name, in the compose window (with Cc and Bcc revealed through their
# accessible actions), the Sandbox Inbox with a message, the Server Profiles list and the editor
# of a new profile. The AT-SPI bus is started here, on the test's private session bus.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
tmp="$EPISTLE_TEST_TMPDIR"
check () {
  # The checker is a client, not the app under test: GLib warnings in libatspi (an object asked
  # for before the app published it) must not abort it; its own verdict is what counts.
  env -u G_DEBUG /usr/bin/python3 "$EPISTLE_SRCDIR/tests/a11y-check.py" "$@" > "$tmp/check.out" 2>&1
  rc=$?
  [ $rc -eq 0 ] || nok "the AT-SPI checker ran for “$1” (exit $rc)"
  while IFS= read -r line; do
    case $line in
      "ok - "*) ok "${line#ok - }" ;;
      "not ok - "*) nok "${line#not ok - }" ;;
      *) echo "$line" ;;
    esac
  done < "$tmp/check.out"
}
act () {
  gdbus call --session --dest io.github.epistlemail.Epistle --object-path /io/github/epistlemail/Epistle \
    --method org.gtk.Actions.Activate "$@" '{}' >/dev/null
}

# A message in the Sandbox, so that the Inbox shows a list and a message.
printf 'Hello.\n' | "$EPISTLE_SEND" --profile Sandbox --from me@example.org --subject 'For the inbox' \
  --body - you@example.org 2>"$tmp/send.err" || { nok "a message for the Sandbox Inbox"; sed 's/^/# /' "$tmp/send.err"; }

/usr/libexec/at-spi-bus-launcher --launch-immediately > "$tmp/at-spi.log" 2>&1 &
launcher=$!
for i in $(seq 1 50); do
  gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus --method org.a11y.Bus.GetAddress \
    >/dev/null 2>&1 && break
  sleep 0.1
done

# The UI test environment turns accessibility off for speed; here it is the point.
GTK_A11Y=atspi "$EPISTLE" >"$tmp/app.log" 2>&1 &
pid=$!

check "New Message" --press Cc Bcc
act sandbox-inbox '[]'
check "Sandbox Inbox"
act profiles '[]'
check "Server Profiles"
act setup-server '[]'
sleep 0.5
check "Server Profiles"

kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
kill "$launcher" 2>/dev/null; wait "$launcher" 2>/dev/null
check_app_log "$tmp/app.log"
echo "1..$n"

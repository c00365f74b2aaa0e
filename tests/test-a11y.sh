#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Accessibility: the real app, read through AT-SPI as a screen reader reads it. Every
# control on screen has a name, in the compose window (with Cc and Bcc revealed through their
# accessible actions), the Sandbox Inbox with a message, the Outbox with a message waiting, the
# Server Profiles list and the editor of a new profile. The AT-SPI bus is started here, on the test's private session bus.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# The messages for the Inbox and the Outbox; per window, the checker's points (a11y_check: the window, each
# press, the names, its own run); the app's log.
plan $((2 + (2 + 2 + 1) + 4 * (2 + 1) + 1))
tmp="$EPISTLE_TEST_TMPDIR"
act () {
  gdbus call --session --dest io.github.epistlemail.Epistle --object-path /io/github/epistlemail/Epistle \
    --method org.gtk.Actions.Activate "$@" '{}' >/dev/null
}

# A message in the Sandbox, so that the Inbox shows a list and a message.
if printf 'Hello.\n' | "$EPISTLE_SEND" --profile Sandbox --from me@example.org --subject 'For the inbox' \
     --body - you@example.org 2>"$tmp/send.err"; then
  ok "a message for the Sandbox Inbox"
else
  nok "a message for the Sandbox Inbox"; diag_file "$tmp/send.err"
fi

# One for the Outbox, queued for tomorrow: listed, with its details, and not sent meanwhile.
tomorrow=$(date -d tomorrow +%Y-%m-%dT09:00:00)
if printf 'Later.\n' | "$EPISTLE_SEND" --profile Sandbox --at "$tomorrow" --from me@example.org \
     --subject 'For the outbox' --body - you@example.org >/dev/null 2>"$tmp/queue.err"; then
  ok "a message for the Outbox"
else
  nok "a message for the Outbox"; diag_file "$tmp/queue.err"
fi

start_atspi

# The UI test environment turns accessibility off for speed; here it is the point.
GTK_A11Y=atspi "$EPISTLE" >"$tmp/app.log" 2>&1 &
pid=$!

a11y_check "New Message" --press Cc Bcc
act sandbox-inbox '[]'
a11y_check "Sandbox Inbox"
act outbox '[]'
a11y_check "Outbox"
act profiles '[]'
a11y_check "Server Profiles"
act setup-server '[]'
sleep 0.5
a11y_check "Set Up a Server Profile"

kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
kill "$atspi_pid" 2>/dev/null; wait "$atspi_pid" 2>/dev/null
check_app_log "$tmp/app.log"
done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a UI test on its own Xvfb display inside a private D-Bus session that auto-starts nothing.
# Xvfb picks a free display itself (-displayfd), so parallel or leftover servers cannot collide,
# and it is stopped by PID when the test ends. -noreset: without it the server resets when its
# last client leaves, and a test that restarts the app (kill -9, start again) finds no display.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${EP_UI_INNER:-}" ]; then
  exec "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/epistle-ui.XXXXXX") || exit 99
mkfifo "$tmp/displayfd"
Xvfb -displayfd 3 -noreset -screen 0 1280x800x24 -nolisten tcp -auth /dev/null 3>"$tmp/displayfd" 2>"$tmp/xvfb.log" &
xvfb=$!
display=$(timeout 20 head -n 1 "$tmp/displayfd")
if [ -z "$display" ]; then
  echo "Bail out! Xvfb did not start: $(cat "$tmp/xvfb.log")"
  kill "$xvfb" 2>/dev/null
  rm -rf "$tmp"
  exit 99
fi

export DISPLAY=":$display"
export EP_UI_INNER=1
export GDK_BACKEND=x11
export GSK_RENDERER=cairo
export GTK_A11Y=none
export LIBGL_ALWAYS_SOFTWARE=1
dbus-run-session --config-file="$here/dbus-session.conf" -- "$@"
rc=$?
kill "$xvfb" 2>/dev/null
wait "$xvfb" 2>/dev/null
rm -rf "$tmp"
exit $rc

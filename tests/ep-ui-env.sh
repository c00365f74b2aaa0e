#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a UI test on its own Xvfb display inside a private D-Bus session that auto-starts nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${EP_UI_INNER:-}" ]; then
  export EP_UI_INNER=1
  export GDK_BACKEND=x11
  export GSK_RENDERER=cairo
  export GTK_A11Y=none
  export LIBGL_ALWAYS_SOFTWARE=1
  exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
    dbus-run-session --config-file="$here/dbus-session.conf" -- "$0" "$@"
fi
"$@"

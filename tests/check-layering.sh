#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The engine and the CLI must never include GTK or libadwaita: they run without a display.
# Usage: check-layering.sh SRCROOT [STAMP]
set -eu
root=$1
bad=$(grep -rnE '#[[:space:]]*include[[:space:]]*[<"](gtk/|gdk/|adwaita\.h|gsk/|graphene)' \
        "$root/src/engine" "$root/src/cli" 2>/dev/null || true)
if [ -n "$bad" ]; then
  echo "Layering violation: GTK/libadwaita header in engine or CLI code:" >&2
  echo "$bad" >&2
  exit 1
fi
if [ $# -ge 2 ]; then : > "$2"; fi
echo "ok: src/engine and src/cli include no GTK/libadwaita header"

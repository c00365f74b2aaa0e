#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# TAP wrapper around check-layering.sh, plus a self-test that it does catch a violation.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$1
echo "1..2"
if "$here/check-layering.sh" "$root" >/dev/null 2>&1; then
  echo "ok 1 engine and CLI include no GTK header"
else
  echo "not ok 1 engine or CLI includes a GTK header"
  "$here/check-layering.sh" "$root" 2>&1 | sed 's/^/# /'
fi
fake=$(mktemp -d)
mkdir -p "$fake/src/engine" "$fake/src/cli"
printf '#include <gtk/gtk.h>\n' > "$fake/src/engine/ep-bad.c"
if "$here/check-layering.sh" "$fake" >/dev/null 2>&1; then
  echo "not ok 2 the check misses a planted GTK include"
else
  echo "ok 2 the check catches a planted GTK include"
fi
rm -rf "$fake"

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# po/POTFILES.in lists exactly the files with translatable strings (sorted), so none is missed.
set -u
root=${EPISTLE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 99
expected=$( { grep -rlE '(^|[^A-Za-z0-9_])(N?_|ngettext|C_) ?\(' src --include='*.c';
              grep -rl 'translatable="yes"' src data --include='*.ui' --include='*.xml' --include='*.in';
              ls data/*.desktop.in.in data/*.gschema.xml data/*.metainfo.xml.in 2>/dev/null; } | LC_ALL=C sort -u)
if [ "${1:-}" = "--update" ]; then
  { echo '# Files with translatable strings, sorted (tests/check-potfiles.sh --update writes this).'; printf '%s\n' "$expected"; } > po/POTFILES.in
  exit 0
fi
listed=$(grep -v '^#' po/POTFILES.in | grep -v '^$')
. "$root/tests/ep-tap-lib.sh"
plan 2
if [ "$expected" = "$(printf '%s\n' "$listed" | LC_ALL=C sort -u)" ]; then
  ok "POTFILES.in lists every file with translatable strings, and no other"
else
  nok "POTFILES.in lists every file with translatable strings, and no other"
  tmp=$(mktemp -d); printf "%s\n" "$listed" | LC_ALL=C sort -u > "$tmp/listed"; printf "%s\n" "$expected" > "$tmp/expected"
  diff "$tmp/listed" "$tmp/expected" | diag_file; rm -rf "$tmp"
fi
check "POTFILES.in is sorted" [ "$listed" = "$(printf '%s\n' "$listed" | LC_ALL=C sort)" ]
done_testing

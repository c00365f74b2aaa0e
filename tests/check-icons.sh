#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The app icons render at the sizes a desktop uses, are not blank, and the symbolic one is one colour.
set -u
root=${EPISTLE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$root/tests/ep-tap-lib.sh"
icons="$root/data/icons/hicolor"
tmp=$(mktemp -d)
sizes="16 32 64 128"
app_icons="scalable/apps/io.github.epistlemail.Epistle.svg symbolic/apps/io.github.epistlemail.Epistle-symbolic.svg"
# Each icon at each size, the symbolic icon's colours, the themed icons.
plan $(( $(echo $sizes | wc -w) * $(echo $app_icons | wc -w) + 2 ))
for size in $sizes; do
  for icon in $app_icons; do
    name=$(basename "$icon" .svg)
    if rsvg-convert -w "$size" -h "$size" "$icons/$icon" -o "$tmp/$name-$size.png" 2>/dev/null; then
      # Opaque pixels: a real icon covers a good share of its square, and not all of it.
      cover=$(convert "$tmp/$name-$size.png" -alpha extract -threshold 50% -format '%[fx:mean]' info:)
      if awk "BEGIN { exit !($cover > 0.2 && $cover < 0.98) }"; then
        ok "$name renders at ${size}px (${cover} of the square covered)"
      else
        nok "$name at ${size}px covers ${cover} of its square"
      fi
    else
      nok "$name renders at ${size}px"
    fi
  done
done
colours=$(grep -oE '(fill|stroke)="#[0-9a-fA-F]{3,6}"' "$icons/symbolic/apps/io.github.epistlemail.Epistle-symbolic.svg" | sort -u | wc -l)
if [ "$colours" -le 1 ]; then ok "the symbolic icon uses one colour"; else nok "the symbolic icon uses $colours colours"; fi

# Every themed icon the UI names exists in the icon theme the app runs with (Adwaita, or hicolor
# where the app's own icons go): a missing one shows as a broken-image square.
names=$(cat "$root"/src/app/*.ui "$root"/src/app/*.c | grep -oE '"[a-z-]+-symbolic"|>[a-z-]+-symbolic<' | tr -d '"<>' | sort -u)
missing=""
for name in $names; do
  found=$(find /usr/share/icons/Adwaita /usr/share/icons/hicolor "$icons" \( -name "$name.svg" -o -name "$name.symbolic.png" -o -name "$name.png" \) 2>/dev/null | head -1)
  [ -n "$found" ] || missing="$missing $name"
done
if [ -z "$missing" ]; then ok "all $(echo "$names" | wc -w) themed icons the UI uses exist"
else nok "icons missing from the theme:$missing"; fi
rm -rf "$tmp"
done_testing

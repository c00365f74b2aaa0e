#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The command-line surface: versions, the documented contract, usage errors.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
options="--profile --server --security --user --password-file --auth --cafile
         --from --to --cc --bcc --subject --body --attach --raw --print
         --transcript --allow-partial --timeout --list-profiles"
codes="64 65 66 69 75 76 77 78 80 81"
# Two --version runs, each option and exit status in --help, the usage error.
plan $(( 3 + $(echo $options $codes | wc -w) ))

version=$(grep -m1 "version:" "$EPISTLE_SRCDIR/meson.build" | sed "s/.*'\(.*\)'.*/\1/")

out=$("$EPISTLE_SEND" --version)
check "epistle-send --version prints $version" [ "$out" = "epistle-send $version" ]

out=$(env -u DISPLAY -u WAYLAND_DISPLAY "$EPISTLE" --version 2>&1)
check "epistle --version prints $version without a display" [ "$out" = "epistle $version" ]

help=$("$EPISTLE_SEND" --help)
for opt in $options; do
  case "$help" in
    *"$opt"*) ok "--help documents $opt" ;;
    *) nok "--help documents $opt" ;;
  esac
done
for code in $codes; do
  case "$help" in
    *"$code "*) ok "--help documents exit status $code" ;;
    *) nok "--help documents exit status $code" ;;
  esac
done

"$EPISTLE_SEND" --no-such-option >/dev/null 2>&1
check "an unknown option is a usage error (64)" [ $? -eq 64 ]

done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs one test with its own HOME and XDG directories, removed afterwards.
set -u
tmp=$(mktemp -d "${TMPDIR:-/tmp}/epistle-test.XXXXXX") || exit 99
mkdir -p "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/state" "$tmp/runtime"
chmod 700 "$tmp/runtime"
export HOME="$tmp/home"
export XDG_CONFIG_HOME="$tmp/config"
export XDG_DATA_HOME="$tmp/data"
export XDG_CACHE_HOME="$tmp/cache"
export XDG_STATE_HOME="$tmp/state"
export XDG_RUNTIME_DIR="$tmp/runtime"
export EPISTLE_TEST_TMPDIR="$tmp"
"$@"
rc=$?
rm -rf "$tmp"
exit $rc

# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the shell UI tests: TAP counters and the waits they share. Not executable.

n=0
ok () { n=$((n+1)); echo "ok $n $1"; }
nok () { n=$((n+1)); echo "not ok $n $1"; }

# wait_window TITLE-REGEX SECONDS: until a visible window has that title.
wait_window () {
  timeout "$2" sh -c "until xdotool search --onlyvisible --name '$1' >/dev/null 2>&1; do sleep 0.1; done"
}

# wait_gone TITLE-REGEX SECONDS: until no visible window has that title.
wait_gone () {
  timeout "$2" sh -c "while xdotool search --onlyvisible --name '$1' >/dev/null 2>&1; do sleep 0.1; done"
}

# wait_for_inbox SECONDS: until the Sandbox inbox holds a message; false if it never does.
wait_for_inbox () {
  timeout "$1" sh -c "until ls '$XDG_DATA_HOME/epistle/sandbox/inbox/'*.eml >/dev/null 2>&1; do sleep 0.1; done"
}

# check_app_log FILE...: one TAP line, failing (and showing the logs) on any GLib warning.
check_app_log () {
  if grep -E 'CRITICAL|WARNING' "$@" >/dev/null; then
    nok "no warnings from the app"; sed 's/^/# /' "$@"
  else
    ok "no warnings from the app"
  fi
}

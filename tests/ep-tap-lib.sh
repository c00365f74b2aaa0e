# SPDX-License-Identifier: GPL-3.0-or-later
# TAP for the shell tests, and the waits the UI tests share. Sourced, not executable.
# (tests/ep_tap.py is the same for the Python tests.)
#
# A script declares how many test points it prints before the first one (`plan N`) and ends
# with `done_testing`. A script that dies half-way then prints fewer points than its plan, and
# meson reports the run as an error; a block of checks that silently stops running does too.
#
#   plan N                     "1..N"; before the first test point
#   ok DESC / nok DESC         one passing / failing test point
#   check DESC CMD [ARG…]      one test point: passes when CMD succeeds
#   skip DESC REASON           one skipped test point, with its reason: "ok N DESC # SKIP REASON"
#   skip_all DESC REASON       the whole script skipped as one visible point; exits 0
#   diag TEXT…                 "# TEXT" lines; diag_file FILE… shows files that way
#   screenshot PATH [OPT…]     `import -window root [OPT…] PATH` for a human to look at: reported
#                              as a diagnostic, never as a test point; its status is import's
#   include_tap N DESC FILE STATUS
#                              the N points of another TAP stream (FILE, from a program that
#                              exited with STATUS) renumbered into this one, missing ones as
#                              failures, then one point: it ran to its plan of N and exited 0
#   bail REASON                "Bail out! REASON" and exit 1: nothing after this can run
#   done_testing [EXPECTED]    last line: exits 1 if the number of points is not the plan's (or,
#                              without a plan, prints the plan now and compares it to EXPECTED)
#
# The exit status says whether the script ran to its end; failed checks are `not ok` lines,
# which meson counts as a failure of the test.

tap_n=0
tap_planned=""

# Test descriptions are one line, and a "#" would start a TAP directive.
_tap_line () {
  printf '%s' "$*" | tr '\n#' ' _'
}

plan () {
  tap_planned=$1
  echo "1..$1"
}

ok () {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n $(_tap_line "$1")"
}

nok () {
  tap_n=$((tap_n + 1))
  echo "not ok $tap_n $(_tap_line "$1")"
}

check () {
  _tap_desc=$1
  shift
  if "$@"; then ok "$_tap_desc"; else nok "$_tap_desc"; fi
}

skip () {
  tap_n=$((tap_n + 1))
  echo "ok $tap_n $(_tap_line "$1") # SKIP $(_tap_line "$2")"
}

skip_all () {
  plan 1
  skip "$1" "$2"
  exit 0
}

diag () {
  printf '%s\n' "$*" | sed 's/^/# /'
}

diag_file () {
  sed 's/^/# /' "$@"
}

screenshot () {
  _tap_shot=$1
  shift
  mkdir -p "$(dirname "$_tap_shot")"
  if _tap_err=$(import -window root "$@" "$_tap_shot" 2>&1); then
    diag "screenshot: $_tap_shot"
  else
    diag "screenshot not taken ($_tap_shot): $_tap_err"
    return 1
  fi
}

# screenshot_drawn FILE SECONDS [IMPORT-ARGS...]: takes screenshots until one shows a drawn window
# (more than 50 colours; a blank screen is one) or SECONDS pass. A window is mapped before its
# first frame is drawn, and under the sanitizers that frame can take seconds. Sets shot_colours.
screenshot_drawn () {
  _tap_sfile=$1 _tap_left=$(($2 * 4))
  shift 2
  shot_colours=0
  while :; do
    screenshot "$_tap_sfile" "$@" || return 1
    shot_colours=$(convert "$_tap_sfile" -format %k info: 2>/dev/null || echo 0)
    [ "$shot_colours" -gt 50 ] && return 0
    _tap_left=$((_tap_left - 1))
    [ "$_tap_left" -le 0 ] && return 0
    sleep 0.25
  done
}

include_tap () {
  _tap_want=$1 _tap_what=$2 _tap_file=$3 _tap_status=$4
  _tap_got=0 _tap_plan="" _tap_extra=0 _tap_bailed=""
  while IFS= read -r _tap_in; do
    case $_tap_in in
      "ok "*|"not ok "*)
        if [ "$_tap_got" -ge "$_tap_want" ]; then
          _tap_extra=$((_tap_extra + 1))
          diag "beyond the plan: $_tap_in"
          continue
        fi
        _tap_got=$((_tap_got + 1))
        case $_tap_in in
          "not ok "*) _tap_res="not ok" _tap_rest=${_tap_in#not ok } ;;
          *) _tap_res="ok" _tap_rest=${_tap_in#ok } ;;
        esac
        # Its own number goes; its description and any SKIP directive stay.
        _tap_rest=$(printf '%s' "$_tap_rest" | sed -e 's/^[0-9][0-9]* *//' -e 's/^- //')
        tap_n=$((tap_n + 1))
        echo "$_tap_res $tap_n $_tap_rest"
        ;;
      "1.."*) _tap_plan=$(printf '%s' "${_tap_in#1..}" | sed 's/[^0-9].*//') ;;
      "Bail out!"*) _tap_bailed=1; diag "$_tap_in" ;;
      "#"*) echo "$_tap_in" ;;
      "") ;;
      *) diag "$_tap_in" ;;
    esac
  done < "$_tap_file"
  while [ "$_tap_got" -lt "$_tap_want" ]; do
    _tap_got=$((_tap_got + 1))
    nok "$_tap_what: test point $_tap_got of $_tap_want never ran"
  done
  if [ "$_tap_plan" = "$_tap_want" ] && [ "$_tap_extra" -eq 0 ] && [ -z "$_tap_bailed" ] &&
     [ "$_tap_status" -eq 0 ]; then
    ok "$_tap_what: ran to its plan of $_tap_want test points"
  else
    nok "$_tap_what: ran to its plan of $_tap_want test points (plan ${_tap_plan:-missing}, exit $_tap_status)"
  fi
}

bail () {
  echo "Bail out! $*"
  exit 1
}

done_testing () {
  if [ -z "$tap_planned" ]; then
    echo "1..$tap_n"
    if [ "$tap_n" -ne "${1:-0}" ]; then
      diag "ran $tap_n test points, expected ${1:-(no number given)}"
      exit 1
    fi
  elif [ "$tap_n" -ne "$tap_planned" ]; then
    diag "ran $tap_n test points, planned $tap_planned"
    exit 1
  fi
  exit 0
}

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

# start_atspi: the AT-SPI bus on the test's private session bus (the app then needs
# GTK_A11Y=atspi, as the UI environment turns accessibility off); its PID in $atspi_pid.
start_atspi () {
  /usr/libexec/at-spi-bus-launcher --launch-immediately > "$EPISTLE_TEST_TMPDIR/at-spi.log" 2>&1 &
  atspi_pid=$!
  for _tap_i in $(seq 1 50); do
    gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus \
      --method org.a11y.Bus.GetAddress >/dev/null 2>&1 && break
    sleep 0.1
  done
}

# a11y_check TITLE [--press BUTTON…] [--shows TEXT…] [--picture NAME…]: the window read through
# AT-SPI by a11y-check.py: 2 test points (the window found, its controls named), one per
# BUTTON, TEXT and NAME, then one for the checker's own run.
a11y_check () {
  _tap_points=$(($# + 1))
  for _tap_arg in "$@"; do
    case $_tap_arg in --press|--shows|--picture) _tap_points=$((_tap_points - 1)) ;; esac
  done
  # The checker is a client, not the app under test: GLib warnings in libatspi (an object asked
  # for before the app published it) must not abort it; its own verdict is what counts.
  env -u G_DEBUG /usr/bin/python3 "$EPISTLE_SRCDIR/tests/a11y-check.py" "$@" \
    > "$EPISTLE_TEST_TMPDIR/a11y-check.out" 2>&1
  include_tap $_tap_points "the AT-SPI checker for “$1”" "$EPISTLE_TEST_TMPDIR/a11y-check.out" $?
}

# check_app_log FILE...: one test point, failing (and showing the logs) on any GLib warning.
check_app_log () {
  if grep -E 'CRITICAL|WARNING' "$@" >/dev/null; then
    nok "no warnings from the app"; diag_file "$@"
  else
    ok "no warnings from the app"
  fi
}

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Starts the real epistle binary on the test display, waits for its window, takes a screenshot
# that must not be blank.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
plan 7
shots="${EPISTLE_BUILDDIR}/screenshots"
mkdir -p "$shots"

"$EPISTLE" >"$EPISTLE_TEST_TMPDIR/app.log" 2>&1 &
pid=$!
if wait_window '^New Message$' 10; then ok "the compose window appears"; else nok "the compose window appears"; fi

sleep 0.5
if kill -0 "$pid" 2>/dev/null; then ok "the app keeps running"; else nok "the app keeps running"; diag_file "$EPISTLE_TEST_TMPDIR/app.log"; fi

# The one screenshot a test judges: a window drew something.
if screenshot_drawn "$shots/empty-composer.png" 15; then
  # A blank screen is one colour; a window makes many.
  colours=$shot_colours
  if [ "$colours" -gt 50 ]; then ok "screenshot shows a window ($colours colours): $shots/empty-composer.png"
  else nok "screenshot looks blank ($colours colours)"; fi
else
  nok "screenshot taken"
fi

# A second launch hands over to the running instance (single instance) and exits.
timeout 20 "$EPISTLE" --version >/dev/null 2>&1
"$EPISTLE" >/dev/null 2>&1 &
second=$!
sleep 2
if kill -0 "$second" 2>/dev/null; then nok "a second launch exits after handing over"; kill "$second"; else ok "a second launch exits after handing over"; fi

# A mailto: link opens a prefilled window in the running instance (named after the subject).
"$EPISTLE" 'mailto:someone@example.org?subject=Quarterly%20report&body=Hello' >/dev/null 2>&1
if wait_window '^Quarterly report$' 5; then
  ok "a mailto: link opens a prefilled compose window"
else
  nok "a mailto: link opens a prefilled compose window"
fi
"$EPISTLE" 'mailto:a@x.org?subject=x%0D%0ABcc:evil@x.org' >/dev/null 2>&1
check "a link with a header injection is refused (65)" [ $? -eq 65 ]

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
check_app_log "$EPISTLE_TEST_TMPDIR/app.log"
done_testing

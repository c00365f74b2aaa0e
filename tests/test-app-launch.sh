#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Starts the real epistle binary on the test display, waits for its window, takes a screenshot.
set -u
n=0
ok () { n=$((n+1)); echo "ok $n $1"; }
nok () { n=$((n+1)); echo "not ok $n $1"; }
shots="${EPISTLE_BUILDDIR}/screenshots"
mkdir -p "$shots"

"$EPISTLE" >"$EPISTLE_TEST_TMPDIR/app.log" 2>&1 &
pid=$!
found=""
for i in $(seq 1 100); do
  if timeout 5 xdotool search --onlyvisible --name '^New Message$' >/dev/null 2>&1; then found=1; break; fi
  sleep 0.1
done
if [ -n "$found" ]; then ok "the compose window appears"; else nok "the compose window appears"; fi

sleep 0.5
if kill -0 "$pid" 2>/dev/null; then ok "the app keeps running"; else nok "the app keeps running"; sed 's/^/# /' "$EPISTLE_TEST_TMPDIR/app.log"; fi

if import -window root "$shots/empty-composer.png" 2>/dev/null; then
  # A blank screen is one colour; a window makes many.
  colours=$(convert "$shots/empty-composer.png" -format %k info:)
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
if timeout 5 sh -c 'until xdotool search --onlyvisible --name "^Quarterly report$" >/dev/null 2>&1; do sleep 0.1; done'; then
  ok "a mailto: link opens a prefilled compose window"
else
  nok "a mailto: link opens a prefilled compose window"
fi
"$EPISTLE" 'mailto:a@x.org?subject=x%0D%0ABcc:evil@x.org' >/dev/null 2>&1
if [ $? -eq 65 ]; then ok "a link with a header injection is refused (65)"; else nok "a link with a header injection is refused (65)"; fi

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if grep -E 'CRITICAL|WARNING' "$EPISTLE_TEST_TMPDIR/app.log" >/dev/null; then
  nok "no warnings on the app's stderr"; sed 's/^/# /' "$EPISTLE_TEST_TMPDIR/app.log"
else
  ok "no warnings on the app's stderr"
fi
echo "1..$n"

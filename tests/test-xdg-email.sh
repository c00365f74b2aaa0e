#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Epistle as the desktop's mail handler: registered with xdg-mime, `xdg-email --attach FILE ADDR`
# opens a prefilled compose window in the running instance; the file a link names is only
# offered until the user says Attach (Alt+A); then Ctrl+Return sends it to the Sandbox.
set -u
. "$EPISTLE_SRCDIR/tests/ep-tap-lib.sh"
# The handler registered, the window opened, the file sent.
plan 3
tmp="$EPISTLE_TEST_TMPDIR"
apps="$XDG_DATA_HOME/applications"
inbox="$XDG_DATA_HOME/epistle/sandbox/inbox"
mkdir -p "$apps" "$tmp/bin"

# The built desktop file, pointing at the built binary through PATH.
ln -s "$EPISTLE" "$tmp/bin/epistle"
export PATH="$tmp/bin:$PATH"
cp "$EPISTLE_BUILDDIR/data/io.github.epistlemail.Epistle.desktop" "$apps/"
# xdg-email runs the Exec line; D-Bus activation needs a service file we do not install here.
sed -i 's/^DBusActivatable=true$/DBusActivatable=false/' "$apps/io.github.epistlemail.Epistle.desktop"
export XDG_DATA_DIRS="$XDG_DATA_HOME:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
export XDG_CURRENT_DESKTOP=X-Generic

xdg-mime default io.github.epistlemail.Epistle.desktop x-scheme-handler/mailto
handler=$(xdg-mime query default x-scheme-handler/mailto)
if [ "$handler" = "io.github.epistlemail.Epistle.desktop" ]; then ok "xdg-mime registers Epistle for mailto:"; else nok "xdg-mime registers Epistle for mailto: (got '$handler')"; fi

printf 'quarterly figures\n' > "$tmp/figures.csv"
# xdg-email starts Epistle itself (it becomes the running instance) and waits for it.
xdg-email --subject 'Figures via xdg-email' --attach "$tmp/figures.csv" 'cfo@example.org' >"$tmp/xdg.log" 2>&1 &
xdg=$!
if wait_window '^Figures via xdg-email$' 10; then ok "xdg-email opens a prefilled compose window"; else nok "xdg-email opens a prefilled compose window"; diag_file "$tmp/xdg.log"; fi
sleep 0.5
screenshot "$EPISTLE_BUILDDIR/screenshots/mailto-offer.png"

wid=$(xdotool search --onlyvisible --name '^Figures via xdg-email$' | head -1)
pid=$(xdotool getwindowpid "$wid")
# No window manager: keyboard input goes where the pointer is.
xdotool mousemove 380 400
sleep 0.3
xdotool key alt+a
sleep 0.8
xdotool key ctrl+Return
found=""
# The message waits out the undo time (5 s by default) in the Outbox first.
wait_for_inbox 20 && found=1
eml=$(ls "$inbox"/*.eml 2>/dev/null | head -1)
if [ -n "$found" ] && grep -q 'figures.csv' "$eml" && grep -q 'cfo@example.org' "$eml"; then
  ok "after Attach, the file went out with the message"
else
  nok "after Attach, the file went out with the message"
fi
[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
wait "$xdg" 2>/dev/null
done_testing

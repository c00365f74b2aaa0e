#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Reads the running Epistle through AT-SPI, as a screen reader does, and checks that every
# control on screen in the named window has a name: buttons, toggles, text fields, combo boxes,
# lists, tabs, switches, spin buttons. (Controls inside a combo box's own popup are GTK's.)
#
#   a11y-check.py WINDOW-NAME [--press BUTTON-NAME...]
#
# --press first presses the named buttons through their AT-SPI action (as assistive technology
# would), e.g. to reveal Cc and Bcc. Prints TAP lines without the plan; exit 0.
import re
import sys
import time

import gi
gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

INTERACTIVE = {
    "push button", "toggle button", "check box", "radio button", "text", "password text",
    "entry", "combo box", "spin button", "slider", "link", "switch", "menu item", "list",
    "page tab", "toggle switch",
}
# GTK 4.8 names an element it has no name for after its class.
FALLBACK = re.compile(r"^(Gtk|Adw)[A-Za-z]+$")


def app_node():
    desktop = Atspi.get_desktop(0)
    for i in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(i)
        if app is not None and app.get_name() == "epistle":
            return app
    return None


def find_window(name, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app = app_node()
        if app is not None:
            for i in range(app.get_child_count()):
                w = app.get_child_at_index(i)
                if w is not None and w.get_name() == name:
                    return w
        time.sleep(0.2)
    return None


def on_screen(node):
    try:
        e = node.get_extents(Atspi.CoordType.WINDOW)
    except Exception:
        return False
    return e.width > 0 and e.height > 0


def walk(node, path, found, in_popup=False):
    role = node.get_role_name()
    name = (node.get_name() or "").strip()
    here = path + [role + ((" “%s”" % name) if name and not FALLBACK.match(name) else "")]
    if role in INTERACTIVE and not in_popup and on_screen(node):
        found.append((" > ".join(here[-7:]), role, name))
    for i in range(node.get_child_count()):
        child = node.get_child_at_index(i)
        if child is not None:
            walk(child, here, found, in_popup or role == "combo box")


def press(window, label):
    stack = [window]
    while stack:
        node = stack.pop()
        if node.get_role_name() in ("push button", "toggle button") and \
           (node.get_name() or "").replace("_", "").split(" ")[0] == label:
            action = node.get_action_iface()
            if action is not None and action.get_n_actions() > 0:
                return action.do_action(0)
        stack.extend(c for c in (node.get_child_at_index(i) for i in range(node.get_child_count())) if c)
    return False


def main():
    title = sys.argv[1]
    presses = sys.argv[3:] if len(sys.argv) > 2 and sys.argv[2] == "--press" else []
    window = find_window(title)
    if window is None:
        print("not ok - the window “%s” is visible to assistive technology" % title)
        return
    for label in presses:
        if press(window, label):
            print("ok - pressed “%s” through its accessible action" % label)
        else:
            print("not ok - pressed “%s” through its accessible action" % label)
    time.sleep(0.5)
    found = []
    walk(window, [], found)
    unnamed = [where for where, role, name in found if not name or FALLBACK.match(name)]
    if found and not unnamed:
        print("ok - “%s”: all %d controls on screen have a name" % (title, len(found)))
        for where, role, name in found:
            print("#   %s" % where)
    else:
        print("not ok - “%s”: %d of %d controls on screen have no name" % (title, len(unnamed), len(found)))
        for where in unnamed:
            print("#   unnamed: %s" % where)


if __name__ == "__main__":
    main()

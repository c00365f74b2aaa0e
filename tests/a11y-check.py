#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Reads the running Epistle through AT-SPI, as a screen reader does, and checks that every
# control on screen in the named window has a name: buttons, toggles, text fields, combo boxes,
# lists, tabs, switches, spin buttons. (Controls inside a combo box's own popup are GTK's.)
#
#   a11y-check.py WINDOW-NAME [--press BUTTON-NAME...] [--shows TEXT...] [--picture NAME...]
#
# --press first presses the named buttons through their AT-SPI action (as assistive technology
# would), e.g. to reveal Cc and Bcc. --shows: some element on screen in the window has TEXT in its
# name or its text. --picture: an image named NAME is on screen (a picture, with its size).
# Prints TAP (ep_tap.py): the window found, one point per press, shows and picture, then the
# names; exit 0 when it ran to its end.
import re
import sys
import time

import ep_tap
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


def on_screen_nodes(node, found):
    """Every element on screen under @node, depth first."""
    if on_screen(node):
        found.append(node)
    for i in range(node.get_child_count()):
        child = node.get_child_at_index(i)
        if child is not None:
            on_screen_nodes(child, found)
    return found


def text_of(node):
    """An element's name and, when it has one, its text (a label's or a text view's contents)."""
    texts = [node.get_name() or ""]
    if "Text" in node.get_interfaces():
        texts.append(Atspi.Text.get_text(node, 0, Atspi.Text.get_character_count(node)) or "")
    return texts


def shows(window, needle):
    return any(needle in text for node in on_screen_nodes(window, []) for text in text_of(node))


def picture(window, name):
    """The size of an image named @name on screen in @window, or None."""
    for node in on_screen_nodes(window, []):
        if node.get_role_name() == "image" and (node.get_name() or "") == name:
            e = node.get_extents(Atspi.CoordType.WINDOW)
            return e.width, e.height
    return None


def options(argv):
    """{"--press": [...], "--shows": [...], "--picture": [...]} from the arguments after the title."""
    found = {"--press": [], "--shows": [], "--picture": []}
    current = None
    for arg in argv:
        if arg in found:
            current = found[arg]
        elif current is None:
            raise SystemExit("a11y-check.py: %r before --press, --shows or --picture" % arg)
        else:
            current.append(arg)
    return found


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
    opts = options(sys.argv[2:])
    points = 1 + len(opts["--press"]) + len(opts["--shows"]) + len(opts["--picture"]) + 1
    ep_tap.plan(points)
    with ep_tap.block(points, "“%s”" % title):
        window = find_window(title)
        if not ep_tap.ok(window is not None, "the window “%s” is visible to assistive technology" % title):
            return
        for label in opts["--press"]:
            ep_tap.ok(press(window, label), "pressed “%s” through its accessible action" % label)
        time.sleep(0.5)
        for needle in opts["--shows"]:
            ep_tap.ok(shows(window, needle), "“%s” shows “%s”" % (title, needle))
        for name in opts["--picture"]:
            size = picture(window, name)
            ep_tap.ok(size is not None and size[0] > 1 and size[1] > 1,
                      "“%s” shows the picture “%s” (%s)" % (title, name, "%d×%d" % size if size else "none"))
        found = []
        walk(window, [], found)
        unnamed = [where for where, role, name in found if not name or FALLBACK.match(name)]
        if ep_tap.ok(found and not unnamed, "“%s”: %d of %d controls on screen have a name"
                     % (title, len(found) - len(unnamed), len(found)),
                     "\n".join("  unnamed: %s" % where for where in unnamed)):
            ep_tap.diag("\n".join("  %s" % where for where, role, name in found))


if __name__ == "__main__":
    main()
    sys.exit(ep_tap.finish())

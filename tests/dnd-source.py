#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A real X11 drag source for tests: a GTK 3 window at a fixed place whose button offers
# the given files as text/uri-list, or image data (image/png) with --image FILE.
# Prints "READY x y" (the button's centre on screen) once it is shown, then runs until killed.
import sys

import gi
gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GdkPixbuf, GLib, Gtk  # noqa: E402

X, Y, W, H = 900, 80, 240, 120


def main():
    args = sys.argv[1:]
    image = None
    if args and args[0] == "--image":
        image = GdkPixbuf.Pixbuf.new_from_file(args[1])
        args = []
    uris = [GLib.filename_to_uri(p, None) for p in args]

    win = Gtk.Window(title="epistle-dnd-source")
    win.set_default_size(W, H)
    win.move(X, Y)
    button = Gtk.Button(label="drag me")
    win.add(button)

    button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
    if image is not None:
        button.drag_source_add_image_targets()
    else:
        button.drag_source_add_uri_targets()

    def on_get(widget, context, selection, info, time):
        if image is not None:
            selection.set_pixbuf(image)
        else:
            selection.set_uris(uris)

    button.connect("drag-data-get", on_get)

    def on_end(*_):
        print("DRAG-END", flush=True)

    button.connect("drag-end", on_end)

    def announce(*_):
        origin = win.get_window().get_origin()
        alloc = button.get_allocation()
        print("READY %d %d" % (origin.x + alloc.x + alloc.width // 2,
                               origin.y + alloc.y + alloc.height // 2), flush=True)
        return False

    win.connect("map-event", lambda *a: GLib.timeout_add(200, announce))
    win.show_all()
    Gtk.main()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A stand-in for the desktop's Background portal on the test session bus: owns
# org.freedesktop.portal.Desktop with org.freedesktop.portal.Background.RequestBackground, answers
# with a request path, and appends each request to FILE as one JSON line {"reason", "autostart"}.
# Prints READY once the name is owned, then runs until killed.
import json
import sys

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

XML = """
<node>
  <interface name="org.freedesktop.portal.Background">
    <method name="RequestBackground">
      <arg type="s" direction="in"/><arg type="a{sv}" direction="in"/>
      <arg type="o" direction="out"/>
    </method>
  </interface>
</node>
"""


def main():
    log_path = sys.argv[1]
    node = Gio.DBusNodeInfo.new_for_xml(XML)

    def on_call(conn, sender, path, iface, method, params, invocation):
        _parent, options = params.unpack()
        invocation.return_value(GLib.Variant("(o)", ("/org/freedesktop/portal/desktop/request/1_1/t",)))
        conn.flush_sync(None)   # the answer is out before the log says it happened
        with open(log_path, "a") as log:
            log.write(json.dumps({"reason": options.get("reason"),
                                  "autostart": options.get("autostart")}) + "\n")

    def on_bus(conn, name):
        conn.register_object("/org/freedesktop/portal/desktop", node.interfaces[0], on_call)

    def on_name(conn, name):
        print("READY", flush=True)

    Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.portal.Desktop",
                     Gio.BusNameOwnerFlags.NONE, on_bus, on_name, lambda *a: sys.exit(1))
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()

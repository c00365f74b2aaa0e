#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A stand-in for the desktop's notification daemon on the test session bus: owns
# org.freedesktop.Notifications, answers as the Desktop Notifications spec says, and appends each
# notification to FILE as one JSON line {"app", "summary", "body"}. Prints READY once the name is
# owned, then runs until killed.
import json
import sys

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
  </interface>
</node>
"""


def main():
    log_path = sys.argv[1]
    counter = [0]
    node = Gio.DBusNodeInfo.new_for_xml(XML)

    def on_call(conn, sender, path, iface, method, params, invocation):
        if method == "Notify":
            app, _replaces, _icon, summary, body = params.unpack()[:5]
            counter[0] += 1
            invocation.return_value(GLib.Variant("(u)", (counter[0],)))
            conn.flush_sync(None)   # the answer is out before the log says it happened
            with open(log_path, "a") as log:
                log.write(json.dumps({"app": app, "summary": summary, "body": body}) + "\n")
        elif method == "GetCapabilities":
            invocation.return_value(GLib.Variant("(as)", (["body"],)))
        elif method == "GetServerInformation":
            invocation.return_value(GLib.Variant("(ssss)", ("epistle-test", "Epistle", "1", "1.2")))
        else:
            invocation.return_value(None)

    def on_bus(conn, name):
        conn.register_object("/org/freedesktop/Notifications", node.interfaces[0], on_call)

    def on_name(conn, name):
        print("READY", flush=True)

    Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications",
                     Gio.BusNameOwnerFlags.NONE, on_bus, on_name, lambda *a: sys.exit(1))
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()

package gui

import (
	"os"

	"github.com/godbus/dbus/v5"
)

// trayAvailable reports whether a StatusNotifier host (the tray of KDE,
// GNOME with the AppIndicator extension, XFCE, ...) runs on the session
// bus. Without one a hidden window could not be brought back.
func trayAvailable() bool {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return false
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}

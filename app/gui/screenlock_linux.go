package gui

import (
	"os"

	"fyne.io/fyne/v2"
	"github.com/godbus/dbus/v5"
)

// watchScreenLock calls onLocked whenever the desktop reports that the
// screen locked: the freedesktop and GNOME screensaver interfaces on the
// session bus, and logind's Lock signal on the system bus. Desktops that
// report neither are not watched; the idle lock still applies.
func watchScreenLock(onLocked func()) {
	ch := make(chan *dbus.Signal, 8)
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		if conn, err := dbus.ConnectSessionBus(); err == nil {
			// The channel first: a signal matched before it is registered
			// would be dropped, and a match rule on the bus then means
			// Tessera is listening.
			conn.Signal(ch)
			for _, iface := range []string{"org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"} {
				conn.AddMatchSignal(dbus.WithMatchInterface(iface), dbus.WithMatchMember("ActiveChanged"))
			}
		}
	}
	if conn, err := dbus.ConnectSystemBus(); err == nil {
		conn.Signal(ch)
		conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.login1.Session"), dbus.WithMatchMember("Lock"))
	}
	go func() {
		for sig := range ch {
			if screenLockSignal(sig.Name, sig.Body) {
				fyne.Do(onLocked)
			}
		}
	}()
}

// screenLockSignal reports whether a D-Bus signal says the screen locked.
func screenLockSignal(name string, body []any) bool {
	switch name {
	case "org.freedesktop.ScreenSaver.ActiveChanged", "org.gnome.ScreenSaver.ActiveChanged":
		active, _ := firstBool(body)
		return active
	case "org.freedesktop.login1.Session.Lock":
		return true
	}
	return false
}

func firstBool(body []any) (bool, bool) {
	if len(body) == 0 {
		return false, false
	}
	b, ok := body[0].(bool)
	return b, ok
}

//go:build e2e && linux

package gui

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tessera-auth/tessera/app/internal/dbusconf"
)

// The tray and screen-lock tests run the real binary on a private X server
// and private D-Bus buses: a dbus-daemon of their own, whose address only
// Tessera and the test know, so no desktop's bus is ever touched. The
// system bus Tessera watches for logind's Lock is a second private daemon.

// TestE2EScreenLock locks Tessera the way desktops announce a screen lock:
// ActiveChanged(true) of org.freedesktop.ScreenSaver and
// org.gnome.ScreenSaver on the session bus, and logind's Session.Lock on the
// system bus. ActiveChanged(false), the screen unlocking, leaves it unlocked.
func TestE2EScreenLock(t *testing.T) {
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 800, 700)
	session, system := startBus(t), startBus(t)
	sessionConn, systemConn := connectBus(t, session), connectBus(t, system)

	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir,
		"DBUS_SESSION_BUS_ADDRESS="+session, "DBUS_SYSTEM_BUS_ADDRESS="+system))
	win := d.waitWindow("^Tessera")
	d.unlockTessera(win)

	// Tessera listens once its match rules are on the buses: it registers
	// its signal channel before adding them (see watchScreenLock).
	watcher := waitMatchRule(t, sessionConn, "org.freedesktop.ScreenSaver", "ActiveChanged")
	waitMatchRule(t, sessionConn, "org.gnome.ScreenSaver", "ActiveChanged")
	waitMatchRule(t, systemConn, "org.freedesktop.login1.Session", "Lock")

	// The screen saver owns its name and signals from its object, as
	// desktops do.
	ownName(t, sessionConn, "org.freedesktop.ScreenSaver")
	ownName(t, sessionConn, "org.gnome.ScreenSaver")
	ownName(t, systemConn, "org.freedesktop.login1")
	emit := func(conn *dbus.Conn, path dbus.ObjectPath, signal string, body ...any) {
		t.Helper()
		if err := conn.Emit(path, signal, body...); err != nil {
			t.Fatalf("emitting %s: %v", signal, err)
		}
	}
	locks := func(what string) {
		t.Helper()
		waitFor(t, 10*time.Second, what+" to lock Tessera", func() bool {
			return d.windowName(win) == titleLocked
		})
		if p.cmd.ProcessState != nil {
			t.Fatalf("tessera exited: %s", p.output)
		}
	}

	// The screen unlocking is no reason to lock. The bus delivers a
	// sender's messages in order and Tessera's connection queues a signal
	// for its watcher before it answers a later Ping, so the Ping's answer
	// says the signals arrived; what is left is Tessera's own goroutine
	// and main loop, milliseconds, which the half second covers many times.
	emit(sessionConn, "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged", false)
	emit(sessionConn, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged", false)
	if err := sessionConn.Object(watcher, "/").Call("org.freedesktop.DBus.Peer.Ping", 0).Err; err != nil {
		t.Fatalf("pinging Tessera's screen-lock watcher %s: %v", watcher, err)
	}
	for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); {
		if got := d.windowName(win); got != titleUnlocked {
			t.Fatalf("ActiveChanged(false) changed the window title to %q", got)
		}
	}

	emit(sessionConn, "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.ActiveChanged", true)
	locks("org.freedesktop.ScreenSaver.ActiveChanged(true)")

	d.unlockTessera(win)
	emit(sessionConn, "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.ActiveChanged", true)
	locks("org.gnome.ScreenSaver.ActiveChanged(true)")

	d.unlockTessera(win)
	emit(systemConn, "/org/freedesktop/login1/session/_31", "org.freedesktop.login1.Session.Lock")
	locks("logind's Session.Lock on the system bus")
}

// TestE2ETray runs Tessera with a StatusNotifier watcher on its session bus,
// so that it shows a tray icon, and works the icon's menu over
// com.canonical.dbusmenu as a desktop's tray does: the menu follows the
// lock state, a favourite's item copies its code, Hide and Show hide and
// show the window, closing the window keeps Tessera in the tray, Lock
// locks and Quit quits.
func TestE2ETray(t *testing.T) {
	tool(t, "oathtool", "oathtool")
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 800, 700)
	bus := startBus(t)
	conn := connectBus(t, bus)
	items := serveStatusNotifierWatcher(t, conn)

	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	entries := testEntries(t)
	entries[0].Favourite = true // GitHub, with GitLab: two favourites
	makeVault(t, dir, entries)
	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir,
		"DBUS_SESSION_BUS_ADDRESS="+bus, "DBUS_SYSTEM_BUS_ADDRESS="+bus))
	exited := waitExit(t, p)
	win := d.waitWindow("^Tessera")

	var item string
	select {
	case item = <-items:
	case <-time.After(20 * time.Second):
		t.Fatalf("Tessera registered no tray item in 20 s: %s", p.output)
	}
	m := trayMenuOf(t, conn, item, p, exited)

	const (
		github = "Copy GitHub: alice@example.com"
		gitlab = "Copy GitLab: bob"
		hide   = "Hide Tessera"
		show   = "Show Tessera"
	)
	// Locked, the tray shows no codes.
	m.waitLabels(hide, "Quit")
	d.unlockTessera(win)
	m.waitLabels(github, gitlab, hide, "Lock", "Quit")

	before := time.Now()
	m.click(github)
	var code string
	waitFor(t, 10*time.Second, "the tray's copy to reach the clipboard", func() bool {
		code = d.clipboard()
		return code != ""
	})
	if !codeAround(t, githubSecret, code, before, time.Now()) {
		t.Fatalf("the tray copied %q, not oathtool's code for GitHub around %v", code, before.Format(time.TimeOnly))
	}

	visible := func(want bool) func() bool {
		return func() bool { return (d.findWindow("^Tessera") != "") == want }
	}
	m.click(hide)
	waitFor(t, 10*time.Second, "Hide Tessera to hide the window", visible(false))
	m.waitLabels(github, gitlab, show, "Lock", "Quit")
	m.click(show)
	waitFor(t, 10*time.Second, "Show Tessera to show the window", visible(true))
	m.waitLabels(github, gitlab, hide, "Lock", "Quit")

	// Closing the window, as a window manager asks, keeps Tessera in the
	// tray: the window goes, the menu offers to show it, and it comes back.
	d.closeWindow(win)
	waitFor(t, 10*time.Second, "closing the window to hide it", visible(false))
	m.waitLabels(github, gitlab, show, "Lock", "Quit")
	select {
	case <-exited:
		t.Fatalf("closing the window with a tray quit Tessera: %s", p.output)
	default:
	}
	m.click(show)
	waitFor(t, 10*time.Second, "Show Tessera to bring the closed window back", visible(true))
	// Showing rebuilds the menu ("Hide Tessera"): click Lock in the new one,
	// not an item of the menu it replaced.
	m.waitLabels(github, gitlab, hide, "Lock", "Quit")

	m.click("Lock")
	waitFor(t, 10*time.Second, "the tray's Lock to lock", func() bool {
		return d.windowName(win) == titleLocked
	})
	m.waitLabels(hide, "Quit")
	if c := d.clipboard(); c != "" {
		t.Fatalf("locking left %d characters on the clipboard, want the copied code gone", len(c))
	}

	m.click("Quit")
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the tray's Quit did not end Tessera in 10 s")
	}
	if !p.cmd.ProcessState.Success() {
		t.Fatalf("tessera ended with %v after Quit: %s", p.cmd.ProcessState, p.output)
	}
}

// TestE2ECloseQuitsWithoutTray closes the window of a Tessera whose session
// bus has no StatusNotifier watcher: with no tray to come back from, closing
// quits.
func TestE2ECloseQuitsWithoutTray(t *testing.T) {
	bin := build(t, "github.com/tessera-auth/tessera")
	d := newXdesk(t, 800, 700)
	bus := startBus(t)

	home := t.TempDir()
	dir := filepath.Join(home, "vault")
	makeVault(t, dir, testEntries(t))
	p := d.startProgram(bin, d.env(home, "TESSERA_VAULT="+dir,
		"DBUS_SESSION_BUS_ADDRESS="+bus, "DBUS_SYSTEM_BUS_ADDRESS="+bus))
	exited := waitExit(t, p)
	win := d.waitWindow("^Tessera")
	d.closeWindow(win)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("closing the window without a tray did not end Tessera in 10 s")
	}
	if !p.cmd.ProcessState.Success() {
		t.Fatalf("tessera ended with %v after its window closed: %s", p.cmd.ProcessState, p.output)
	}
}

// startBus starts a private dbus-daemon for the test and returns its
// address. The configuration allows everything on it, starts no services
// and, like Debian's, serves org.freedesktop.DBus.Debug.Stats, which shows
// the match rules of the connections.
func startBus(t *testing.T) string {
	t.Helper()
	bin := tool(t, "dbus-daemon", "dbus-daemon")
	// A short folder: Unix socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "tessera-bus-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	err = os.WriteFile(conf, []byte(dbusconf.Session(filepath.Join(dir, "bus"))), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf, "--nofork", "--print-address")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=en_US.UTF-8"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon: %v", err)
	}
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	select {
	case a := <-addr:
		if a == "" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("dbus-daemon printed no address: %s", stderr.String())
		}
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon printed no address in 10 s")
	}
	return ""
}

// connectBus connects the test to a private bus.
func connectBus(t *testing.T, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connecting to the test's bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// ownName makes the test's connection the owner of a well-known name.
func ownName(t *testing.T, conn *dbus.Conn, name string) {
	t.Helper()
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s on the test's bus: reply %v, %v", name, reply, err)
	}
}

// waitMatchRule waits until a connection on the bus has a match rule for
// signal member of iface, and returns that connection's unique name.
func waitMatchRule(t *testing.T, conn *dbus.Conn, iface, member string) string {
	t.Helper()
	var owner string
	waitFor(t, 10*time.Second, "Tessera to match "+iface+"."+member, func() bool {
		var rules map[string][]string
		err := conn.BusObject().Call("org.freedesktop.DBus.Debug.Stats.GetAllMatchRules", 0).Store(&rules)
		if err != nil {
			t.Fatalf("reading the bus's match rules: %v", err)
		}
		for name, rs := range rules {
			for _, r := range rs {
				if strings.Contains(r, "interface='"+iface+"'") && strings.Contains(r, "member='"+member+"'") {
					owner = name
					return true
				}
			}
		}
		return false
	})
	return owner
}

// snWatcher is the org.kde.StatusNotifierWatcher of a desktop's tray: items
// register with it, and it says that a host shows them.
type snWatcher struct {
	conn  *dbus.Conn
	props *prop.Properties
	items chan string

	mu         sync.Mutex
	registered []string
}

const snWatcherIface = "org.kde.StatusNotifierWatcher"

// serveStatusNotifierWatcher exports a StatusNotifierWatcher on conn and
// returns the channel on which it passes each registered item, as
// "busname/object/path".
func serveStatusNotifierWatcher(t *testing.T, conn *dbus.Conn) <-chan string {
	t.Helper()
	w := &snWatcher{conn: conn, items: make(chan string, 8)}
	const path = "/StatusNotifierWatcher"
	if err := conn.Export(w, path, snWatcherIface); err != nil {
		t.Fatalf("exporting the StatusNotifierWatcher: %v", err)
	}
	props, err := prop.Export(conn, path, prop.Map{snWatcherIface: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitConst},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitConst},
	}})
	if err != nil {
		t.Fatalf("exporting the StatusNotifierWatcher's properties: %v", err)
	}
	w.props = props
	ownName(t, conn, snWatcherIface)
	return w.items
}

// RegisterStatusNotifierItem records an item. Its service is a bus name,
// or an object path on the caller's connection (as fyne.io/systray sends).
func (w *snWatcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	item := service + "/StatusNotifierItem"
	if strings.HasPrefix(service, "/") {
		item = string(sender) + service
	}
	w.mu.Lock()
	w.registered = append(w.registered, item)
	w.props.SetMust(snWatcherIface, "RegisteredStatusNotifierItems", slices.Clone(w.registered))
	w.mu.Unlock()
	w.conn.Emit("/StatusNotifierWatcher", snWatcherIface+".StatusNotifierItemRegistered", item)
	select {
	case w.items <- item:
	default:
	}
	return nil
}

// RegisterStatusNotifierHost accepts a host; the test is the host.
func (w *snWatcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// dbusMenu is a tray item's com.canonical.dbusmenu menu, read as a host.
type dbusMenu struct {
	t      *testing.T
	obj    dbus.BusObject
	p      *started
	exited <-chan struct{}
}

// trayMenuOf finds the menu of the item p registered through the item's
// Menu property; exited is closed when p ends.
func trayMenuOf(t *testing.T, conn *dbus.Conn, item string, p *started, exited <-chan struct{}) *dbusMenu {
	t.Helper()
	i := strings.Index(item, "/")
	dest, path := item[:i], dbus.ObjectPath(item[i:])
	v, err := conn.Object(dest, path).GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatalf("reading the tray item's Menu property: %v", err)
	}
	menuPath, ok := v.Value().(dbus.ObjectPath)
	if !ok {
		t.Fatalf("the tray item's Menu is %v, not an object path", v)
	}
	return &dbusMenu{t: t, obj: conn.Object(dest, menuPath), p: p, exited: exited}
}

// menuItem is a top-level item of a dbusmenu layout.
type menuItem struct {
	id    int32
	label string
}

// items returns the menu's visible items, separators left out.
func (m *dbusMenu) items() []menuItem {
	m.t.Helper()
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	if err := m.obj.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		m.fail("reading the tray menu: %v", err)
	}
	var out []menuItem
	for _, c := range root.Children {
		f, ok := c.Value().([]any)
		if !ok || len(f) != 3 {
			m.t.Fatalf("a tray menu item is %v, not (ia{sv}av)", c)
		}
		id, _ := f[0].(int32)
		props, _ := f[1].(map[string]dbus.Variant)
		if s, _ := props["type"].Value().(string); s == "separator" {
			continue
		}
		if vis, ok := props["visible"].Value().(bool); ok && !vis {
			continue
		}
		label, _ := props["label"].Value().(string)
		out = append(out, menuItem{id: id, label: label})
	}
	return out
}

func itemLabels(items []menuItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.label)
	}
	return out
}

// waitLabels waits until the menu lists exactly these items.
func (m *dbusMenu) waitLabels(want ...string) {
	m.t.Helper()
	var got []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = itemLabels(m.items())
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("the tray menu lists %q, want %q", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click sends the "clicked" event a host sends when the person picks the
// item with this label.
func (m *dbusMenu) click(label string) {
	m.t.Helper()
	items := m.items()
	i := slices.IndexFunc(items, func(it menuItem) bool { return it.label == label })
	if i < 0 {
		m.t.Fatalf("the tray menu has no %q: %q", label, itemLabels(items))
	}
	err := m.obj.Call("com.canonical.dbusmenu.Event", 0, items[i].id, "clicked",
		dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
	if err != nil {
		m.fail("clicking %q in the tray menu: %v", label, err)
	}
}

// fail fails the test, saying so when Tessera has ended.
func (m *dbusMenu) fail(format string, args ...any) {
	m.t.Helper()
	select {
	case <-m.exited:
		m.t.Fatalf(format+"; Tessera ended (%v): %s", append(args, m.p.cmd.ProcessState, m.p.output)...)
	default:
		m.t.Fatalf(format, args...)
	}
}

// closeWindow asks a window to close as a window manager does when its
// close button is pressed: a WM_DELETE_WINDOW client message. (xdotool's
// windowclose destroys the window instead, which no desktop does.)
func (d *xdesk) closeWindow(id string) {
	d.t.Helper()
	win, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		d.t.Fatalf("window id %q: %v", id, err)
	}
	conn, err := xgb.NewConnDisplay(d.display)
	if err != nil {
		d.t.Fatalf("connecting to %s: %v", d.display, err)
	}
	defer conn.Close()
	atom := func(name string) xproto.Atom {
		r, err := xproto.InternAtom(conn, false, uint16(len(name)), name).Reply()
		if err != nil {
			d.t.Fatalf("atom %s: %v", name, err)
		}
		return r.Atom
	}
	ev := xproto.ClientMessageEvent{
		Format: 32,
		Window: xproto.Window(win),
		Type:   atom("WM_PROTOCOLS"),
		Data:   xproto.ClientMessageDataUnionData32New([]uint32{uint32(atom("WM_DELETE_WINDOW")), xproto.TimeCurrentTime, 0, 0, 0}),
	}
	err = xproto.SendEventChecked(conn, false, xproto.Window(win), xproto.EventMaskNoEvent, string(ev.Bytes())).Check()
	if err != nil {
		d.t.Fatalf("sending WM_DELETE_WINDOW to window %s: %v", id, err)
	}
}

// waitExit returns a channel closed when the program ends; its
// ProcessState is then set.
func waitExit(t *testing.T, p *started) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		p.cmd.Wait()
		close(done)
	}()
	// Runs before startProgram's cleanup, which then finds the process
	// waited for.
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-done
	})
	return done
}

//go:build e2e

package gui

import (
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// paintWatch follows, over its own X connection, the top-level windows
// that programs create on a desktop: when they are mapped, when their
// title changes and when pixels are drawn into them (the DAMAGE
// extension). The start-up benchmark times first frames and the unlocked
// list's first frame with it, to the event rather than to a polling
// interval.
type paintWatch struct {
	t      testing.TB
	conn   *xgb.Conn
	root   xproto.Window
	events chan paintEvent
	mapped map[xproto.Window]bool
	names  map[xproto.Window]string
	title  []xproto.Atom // WM_NAME, _NET_WM_NAME
}

// paintEvent is one thing seen on the desktop, stamped on arrival.
type paintEvent struct {
	at   time.Time
	kind int
	win  xproto.Window
}

const (
	eventCreated = iota
	eventMapped
	eventDrawn
	eventTitled
)

func newPaintWatch(t testing.TB, display string) *paintWatch {
	t.Helper()
	xgb.Logger.SetOutput(io.Discard) // no "trying connection without authority" lines
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		t.Fatalf("connecting to %s: %v", display, err)
	}
	t.Cleanup(conn.Close)
	for name, init := range map[string]func(*xgb.Conn) error{"DAMAGE": damage.Init, "XTEST": xtest.Init} {
		if err := init(conn); err != nil {
			t.Fatalf("the X server has no %s extension: %v", name, err)
		}
	}
	if _, err := damage.QueryVersion(conn, 1, 1).Reply(); err != nil {
		t.Fatalf("DAMAGE version: %v", err)
	}
	w := &paintWatch{t: t, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root,
		events: make(chan paintEvent, 4096), mapped: map[xproto.Window]bool{}, names: map[xproto.Window]string{}}
	for _, n := range []string{"WM_NAME", "_NET_WM_NAME"} {
		a, err := xproto.InternAtom(conn, false, uint16(len(n)), n).Reply()
		if err != nil {
			t.Fatal(err)
		}
		w.title = append(w.title, a.Atom)
	}
	if err := xproto.ChangeWindowAttributesChecked(conn, w.root, xproto.CwEventMask,
		[]uint32{xproto.EventMaskSubstructureNotify}).Check(); err != nil {
		t.Fatal(err)
	}
	go w.read()
	return w
}

// read turns X events into paintEvents until the connection closes. New
// top-level windows get a damage record and title watching at once, before
// their program can draw.
func (w *paintWatch) read() {
	for {
		ev, err := w.conn.WaitForEvent()
		if ev == nil && err == nil {
			close(w.events)
			return
		}
		now := time.Now()
		switch ev := ev.(type) {
		case xproto.CreateNotifyEvent:
			if ev.Parent != w.root {
				continue
			}
			xproto.ChangeWindowAttributes(w.conn, ev.Window, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
			if id, err := damage.NewDamageId(w.conn); err == nil {
				damage.Create(w.conn, id, xproto.Drawable(ev.Window), damage.ReportLevelRawRectangles)
			}
			w.events <- paintEvent{now, eventCreated, ev.Window}
		case xproto.MapNotifyEvent:
			w.events <- paintEvent{now, eventMapped, ev.Window}
		case damage.NotifyEvent:
			w.events <- paintEvent{now, eventDrawn, xproto.Window(ev.Drawable)}
		case xproto.PropertyNotifyEvent:
			if ev.Atom == w.title[0] || ev.Atom == w.title[1] {
				w.events <- paintEvent{now, eventTitled, ev.Window}
			}
		}
	}
}

// next returns the next event that satisfies cond, failing the benchmark
// after timeout.
func (w *paintWatch) next(timeout time.Duration, what string, cond func(paintEvent) bool) paintEvent {
	w.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				w.t.Fatalf("the X connection closed while waiting for %s", what)
			}
			switch ev.kind {
			case eventMapped:
				w.mapped[ev.win] = true
			case eventTitled:
				w.names[ev.win] = w.name(ev.win)
			}
			if cond(ev) {
				return ev
			}
		case <-deadline:
			w.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// name reads a window's title.
func (w *paintWatch) name(win xproto.Window) string {
	for _, a := range w.title {
		r, err := xproto.GetProperty(w.conn, false, win, a, xproto.GetPropertyTypeAny, 0, 256).Reply()
		if err == nil && len(r.Value) > 0 {
			return string(r.Value)
		}
	}
	return ""
}

// firstFrame waits for the first pixels drawn into a mapped top-level
// window and returns the event.
func (w *paintWatch) firstFrame() paintEvent {
	w.t.Helper()
	return w.next(30*time.Second, "a first frame", func(ev paintEvent) bool {
		return ev.kind == eventDrawn && w.mapped[ev.win]
	})
}

// quiet reads events until none came for d: what was drawn before is done.
func (w *paintWatch) quiet(d time.Duration) {
	w.t.Helper()
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				w.t.Fatal("the X connection closed")
			}
			if ev.kind == eventMapped {
				w.mapped[ev.win] = true
			}
		case <-time.After(d):
			return
		}
	}
}

// titled waits for win's title to become title.
func (w *paintWatch) titled(win xproto.Window, title string) paintEvent {
	w.t.Helper()
	return w.next(30*time.Second, "the title "+title, func(ev paintEvent) bool {
		return ev.kind == eventTitled && ev.win == win && w.names[win] == title
	})
}

// drawn waits for the next pixels drawn into win.
func (w *paintWatch) drawn(win xproto.Window) paintEvent {
	w.t.Helper()
	return w.next(30*time.Second, "a frame", func(ev paintEvent) bool { return ev.kind == eventDrawn && ev.win == win })
}

// key presses and releases the key of keysym through XTEST, at once,
// without starting a program as xdotool would.
func (w *paintWatch) key(keysym xproto.Keysym) {
	w.t.Helper()
	setup := xproto.Setup(w.conn)
	count := byte(setup.MaxKeycode - setup.MinKeycode + 1)
	m, err := xproto.GetKeyboardMapping(w.conn, setup.MinKeycode, count).Reply()
	if err != nil {
		w.t.Fatal(err)
	}
	per := int(m.KeysymsPerKeycode)
	for i := 0; i < int(count); i++ {
		for j := 0; j < per; j++ {
			if m.Keysyms[i*per+j] != keysym {
				continue
			}
			code := byte(int(setup.MinKeycode) + i)
			for _, typ := range []byte{xproto.KeyPress, xproto.KeyRelease} {
				if err := xtest.FakeInputChecked(w.conn, typ, code, 0, w.root, 0, 0, 0).Check(); err != nil {
					w.t.Fatal(err)
				}
			}
			return
		}
	}
	w.t.Fatalf("no key for keysym %#x", keysym)
}

// windowID returns a window's ID as xdotool takes it.
func windowID(win xproto.Window) string { return strconv.FormatUint(uint64(win), 10) }

package clipboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"

	"github.com/tessera-auth/tessera/app/internal/xconn"
)

// imageTypes are the image types a clipboard owner may offer, in the order
// Image prefers them: lossless and compact first.
var imageTypes = []string{"image/png", "image/bmp", "image/x-bmp", "image/gif", "image/webp", "image/jpeg"}

func readImage(ctx context.Context, getenv func(string) string) ([]byte, error) {
	return readTypes(ctx, getenv, imageTypes)
}

// readTypes reads the clipboard as the first of types its owner offers;
// ErrNoImage when it offers none.
func readTypes(ctx context.Context, getenv func(string) string, types []string) ([]byte, error) {
	if display := getenv("DISPLAY"); display != "" {
		b, err := x11Image(ctx, display, types)
		// Under Wayland, X11 programs share the clipboard through Xwayland,
		// but a Wayland program's image may not have crossed over: ask
		// wl-paste too before saying there is none.
		if err == nil || getenv("WAYLAND_DISPLAY") == "" {
			return b, err
		}
	}
	if getenv("WAYLAND_DISPLAY") != "" {
		return waylandImage(ctx, getenv, types)
	}
	return nil, errors.New("no display to read the clipboard of (neither DISPLAY nor WAYLAND_DISPLAY is set); save the image and open the file")
}

// waylandImage asks wl-paste, since Wayland has no clipboard protocol for a
// program without a window of its own.
func waylandImage(ctx context.Context, getenv func(string) string, wanted []string) ([]byte, error) {
	env := append(os.Environ(), "WAYLAND_DISPLAY="+getenv("WAYLAND_DISPLAY"), "XDG_RUNTIME_DIR="+getenv("XDG_RUNTIME_DIR"))
	if _, err := exec.LookPath("wl-paste"); err != nil {
		return nil, errors.New("reading an image from the Wayland clipboard needs wl-paste (package wl-clipboard); or save the image and open the file")
	}
	wlPaste := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "wl-paste", args...)
		cmd.Env = env
		return cmd.Output()
	}
	list, err := wlPaste("--list-types")
	if err != nil {
		return nil, ErrNoImage
	}
	offered := bytes.Fields(list)
	for _, t := range wanted {
		if !slices.ContainsFunc(offered, func(o []byte) bool { return string(o) == t }) {
			continue
		}
		out, err := wlPaste("--no-newline", "--type", t)
		if err != nil {
			return nil, fmt.Errorf("wl-paste --type %s: %w", t, err)
		}
		if len(out) > MaxImageBytes {
			return nil, fmt.Errorf("the clipboard image is %d MiB, more than the %d MiB read", len(out)>>20, MaxImageBytes>>20)
		}
		return out, nil
	}
	return nil, ErrNoImage
}

// x11Image asks the owner of the CLIPBOARD selection which types it offers
// and then for the best image type, following the ICCCM: the owner writes
// the data to a property of a window of ours, at once or, when it is large,
// in pieces (the INCR protocol).
func x11Image(ctx context.Context, display string, wanted []string) ([]byte, error) {
	conn, err := xconn.Dial(display)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	x := &xsel{conn: conn, events: make(chan xgb.Event, 64), done: make(chan struct{})}
	defer close(x.done)
	go x.pump()

	atoms, err := x.atoms("CLIPBOARD", "TARGETS", "INCR", "ATOM", "TESSERA_CLIPBOARD")
	if err != nil {
		return nil, err
	}
	x.clipboard, x.targets, x.incr, x.atomType, x.prop = atoms[0], atoms[1], atoms[2], atoms[3], atoms[4]

	owner, err := xproto.GetSelectionOwner(conn, x.clipboard).Reply()
	if err != nil {
		return nil, fmt.Errorf("X11 clipboard: %w", err)
	}
	if owner.Owner == xproto.WindowNone {
		return nil, ErrNoImage
	}
	if err := x.window(); err != nil {
		return nil, err
	}

	raw, err := x.convert(ctx, x.targets)
	if err != nil {
		return nil, err
	}
	offered := map[xproto.Atom]bool{}
	for i := 0; i+4 <= len(raw); i += 4 {
		offered[xproto.Atom(xgb.Get32(raw[i:]))] = true
	}
	types, err := x.atoms(wanted...)
	if err != nil {
		return nil, err
	}
	for i, t := range types {
		if !offered[t] {
			continue
		}
		data, err := x.convert(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("X11 clipboard, %s: %w", wanted[i], err)
		}
		return data, nil
	}
	return nil, ErrNoImage
}

// xsel is one conversation with the X server about the clipboard.
type xsel struct {
	conn   *xgb.Conn
	events chan xgb.Event // from pump
	done   chan struct{}  // closed when the conversation ends
	win    xproto.Window

	clipboard, targets, incr, atomType, prop xproto.Atom
}

// pump passes the connection's events on until it closes or the
// conversation ends.
func (x *xsel) pump() {
	for {
		ev, err := x.conn.WaitForEvent()
		if ev == nil && err == nil {
			close(x.events)
			return
		}
		if ev == nil {
			continue // an X error of a request nobody checks
		}
		select {
		case x.events <- ev:
		case <-x.done:
			return
		}
	}
}

func (x *xsel) atoms(names ...string) ([]xproto.Atom, error) {
	cookies := make([]xproto.InternAtomCookie, len(names))
	for i, n := range names {
		cookies[i] = xproto.InternAtom(x.conn, false, uint16(len(n)), n)
	}
	out := make([]xproto.Atom, len(names))
	for i, c := range cookies {
		r, err := c.Reply()
		if err != nil {
			return nil, fmt.Errorf("X11 clipboard: atom %s: %w", names[i], err)
		}
		out[i] = r.Atom
	}
	return out, nil
}

// window makes the unmapped window the owner writes to, watching its
// properties for the INCR protocol.
func (x *xsel) window() error {
	id, err := x.conn.NewId()
	if err != nil {
		return fmt.Errorf("X11 clipboard: %w", err)
	}
	x.win = xproto.Window(id)
	root := xproto.Setup(x.conn).DefaultScreen(x.conn).Root
	err = xproto.CreateWindowChecked(x.conn, 0, x.win, root, 0, 0, 1, 1, 0,
		xproto.WindowClassInputOnly, 0, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange}).Check()
	if err != nil {
		return fmt.Errorf("X11 clipboard: %w", err)
	}
	return nil
}

// next returns the next event, or an error when ctx ends first.
func (x *xsel) next(ctx context.Context) (xgb.Event, error) {
	select {
	case ev, ok := <-x.events:
		if !ok {
			return nil, errors.New("X11 clipboard: the display closed the connection")
		}
		return ev, nil
	case <-ctx.Done():
		return nil, errors.New("the program that owns the clipboard did not answer; copy the image again, or save it and open the file")
	}
}

// convert asks the clipboard's owner for its content as target and returns
// the bytes.
func (x *xsel) convert(ctx context.Context, target xproto.Atom) ([]byte, error) {
	xproto.DeleteProperty(x.conn, x.win, x.prop)
	xproto.ConvertSelection(x.conn, x.win, x.clipboard, target, x.prop, xproto.TimeCurrentTime)
	for {
		ev, err := x.next(ctx)
		if err != nil {
			return nil, err
		}
		n, ok := ev.(xproto.SelectionNotifyEvent)
		if !ok || n.Requestor != x.win || n.Selection != x.clipboard {
			continue
		}
		if n.Property == xproto.AtomNone {
			return nil, ErrNoImage
		}
		break
	}
	data, typ, err := x.property(false)
	if err != nil {
		return nil, err
	}
	if typ != x.incr {
		xproto.DeleteProperty(x.conn, x.win, x.prop)
		return data, nil
	}
	return x.receiveIncr(ctx)
}

// receiveIncr reads a large transfer: deleting the INCR property asks the
// owner for the first piece; each piece is a new value of the property,
// which we read and delete to ask for the next, until an empty one.
func (x *xsel) receiveIncr(ctx context.Context) ([]byte, error) {
	xproto.DeleteProperty(x.conn, x.win, x.prop)
	var out []byte
	for {
		ev, err := x.next(ctx)
		if err != nil {
			return nil, err
		}
		p, ok := ev.(xproto.PropertyNotifyEvent)
		if !ok || p.Window != x.win || p.Atom != x.prop || p.State != xproto.PropertyNewValue {
			continue
		}
		piece, _, err := x.property(true)
		if err != nil {
			return nil, err
		}
		if len(piece) == 0 {
			return out, nil
		}
		if len(out)+len(piece) > MaxImageBytes {
			return nil, fmt.Errorf("the clipboard image is more than the %d MiB read", MaxImageBytes>>20)
		}
		out = append(out, piece...)
	}
}

// property reads the whole of our property, in parts if the server sends
// it so, deleting it after the last part when del is set.
func (x *xsel) property(del bool) ([]byte, xproto.Atom, error) {
	const chunk = 1 << 20 // in 4-byte units, as GetProperty counts
	var out []byte
	var offset uint32
	for {
		r, err := xproto.GetProperty(x.conn, false, x.win, x.prop, xproto.GetPropertyTypeAny, offset, chunk).Reply()
		if err != nil {
			return nil, 0, fmt.Errorf("X11 clipboard: %w", err)
		}
		if len(out)+len(r.Value) > MaxImageBytes {
			return nil, 0, fmt.Errorf("the clipboard image is more than the %d MiB read", MaxImageBytes>>20)
		}
		out = append(out, r.Value...)
		if r.BytesAfter == 0 {
			if del {
				xproto.DeleteProperty(x.conn, x.win, x.prop)
			}
			return out, r.Type, nil
		}
		offset += uint32(len(r.Value)) / 4
	}
}

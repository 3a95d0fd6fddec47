package gui

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/sync/folder"
)

// layoutProblems walks everything drawn in the window, the screen and the
// dialogs over it, and says what a person would see broken:
//   - anything drawn (partly) outside the window, where it is cut off,
//     unless it is inside a scrolling container, which scrolls to it;
//   - a widget laid out smaller than it needs (a clipped button, a label
//     cut short, a field too narrow to show its text);
//   - wrapped text laid out narrower than a few characters, which shows one
//     letter per line (the empty list's message once did, 2,473 px tall).
func layoutProblems(c fyne.Canvas) []string {
	var out []string
	win := c.Size()
	var walk func(o fyne.CanvasObject, at fyne.Position, path string, scrolled, squeezed bool)
	walk = func(o fyne.CanvasObject, at fyne.Position, path string, scrolled, squeezed bool) {
		if o == nil || !o.Visible() {
			return
		}
		size := o.Size()
		if size.Width <= 0 || size.Height <= 0 {
			return
		}
		if t := reflect.TypeOf(o).Elem(); t.Name() == "Shadow" && strings.HasPrefix(t.PkgPath(), "fyne.io/") {
			return // drawn around a dialog, beyond it by design
		}
		path += "/" + describe(o)
		const slack = 0.5
		_, isWidget := o.(fyne.Widget)
		_, isContainer := o.(*fyne.Container)
		if !isWidget && !isContainer && !scrolled && drawsSomething(o) && (at.X < -slack || at.Y < -slack || at.X+size.Width > win.Width+slack || at.Y+size.Height > win.Height+slack) {
			out = append(out, fmt.Sprintf("%s is drawn at %v size %v, outside the %vx%v window", path, at, size, win.Width, win.Height))
		}
		if (isWidget && !fyneInternal(o) || isContainer) && !squeezed {
			min := o.MinSize()
			if (size.Width+slack < min.Width || size.Height+slack < min.Height) && holdsSomething(o) {
				out = append(out, fmt.Sprintf("%s is laid out %vx%v, smaller than the %vx%v it needs", path, size.Width, size.Height, min.Width, min.Height))
				squeezed = true // its parts are squeezed too: said once
			}
		}
		if l, ok := o.(*widget.Label); ok {
			if l.Wrapping != fyne.TextWrapOff && l.Text != "" {
				sz := theme.Size(theme.SizeNameText)
				if l.SizeName != "" {
					sz = theme.Size(l.SizeName)
				}
				few := firstRunes(l.Text, 8)
				whole := fyne.MeasureText(l.Text, sz, l.TextStyle).Width
				if need := fyne.MeasureText(few, sz, l.TextStyle).Width; size.Width+slack < need {
					out = append(out, fmt.Sprintf("%s wraps %q in %v px, narrower than %q (%v px): a few letters a line", path, l.Text, size.Width, few, need))
				} else if need := min(whole, win.Width/2, 300); size.Width+slack < need { // a readable column is fine
					out = append(out, fmt.Sprintf("%s wraps %q in a column %v px wide, in a %v px window: a few words a line", path, l.Text, size.Width, win.Width))
				}
			}
			return // its text was checked with it
		}
		var kids []fyne.CanvasObject
		inScroll := scrolled
		switch x := o.(type) {
		case *fyne.Container:
			kids = x.Objects
		case *container.Scroll, *widget.List, *widget.Table, *widget.Tree, *widget.GridWrap:
			inScroll = true
			kids = test.WidgetRenderer(x.(fyne.Widget)).Objects()
		case *widget.Entry, *widget.SelectEntry:
			return // its text scrolls inside the field; the field was checked
		case fyne.Widget:
			kids = test.WidgetRenderer(x).Objects()
		}
		for _, k := range kids {
			walk(k, at.Add(k.Position()), path, inScroll, squeezed)
		}
	}
	walk(c.Content(), c.Content().Position(), "", false, false)
	for _, o := range c.Overlays().List() {
		walk(o, o.Position(), "overlay", false, false)
	}
	return out
}

// drawsSomething reports whether a canvas object puts pixels on the screen
// a person would miss if they were cut off: text, pictures, filled shapes.
func drawsSomething(o fyne.CanvasObject) bool {
	switch x := o.(type) {
	case *canvas.Text:
		return strings.TrimSpace(x.Text) != ""
	case *canvas.Rectangle:
		_, _, _, a := x.FillColor.RGBA()
		return a > 0
	}
	return true
}

// holdsSomething reports whether o draws, or holds something that draws,
// other than empty space: a form's empty hint line needs a line's height,
// but nobody misses it when it has none.
func holdsSomething(o fyne.CanvasObject) bool {
	if !o.Visible() {
		return false
	}
	var kids []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		kids = x.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(x).Objects()
	default:
		return drawsSomething(o)
	}
	for _, k := range kids {
		if holdsSomething(k) {
			return true
		}
	}
	return false
}

// visibleObjects returns o and everything inside it that is drawn: what
// test.LaidOutObjects returns, less hidden objects and what they hold.
func visibleObjects(o fyne.CanvasObject) []fyne.CanvasObject {
	if o == nil || !o.Visible() {
		return nil
	}
	out := []fyne.CanvasObject{o}
	var kids []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		kids = x.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(x).Objects()
	}
	for _, k := range kids {
		out = append(out, visibleObjects(k)...)
	}
	return out
}

// fyneInternal reports whether o is one of Fyne's unexported widgets (the
// parts of its own widgets), whose sizes are Fyne's business.
func fyneInternal(o fyne.CanvasObject) bool {
	t := reflect.TypeOf(o)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	return strings.HasPrefix(t.PkgPath(), "fyne.io/") && name != "" && unicode.IsLower(rune(name[0]))
}

// layOutAgain lays every container and widget out again at its size, from
// the window down, as the real driver does each frame for any object whose
// minimum size changed (the test driver does not): wrapped text needs
// more lines when it gets narrower.
func layOutAgain(c fyne.Canvas) {
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		var kids []fyne.CanvasObject
		switch x := o.(type) {
		case *fyne.Container:
			if x.Layout != nil {
				x.Layout.Layout(x.Objects, x.Size())
			}
			kids = x.Objects
		case fyne.Widget:
			r := test.WidgetRenderer(x)
			r.Layout(x.Size())
			kids = r.Objects()
		}
		for _, k := range kids {
			walk(k)
		}
	}
	for range 2 {
		walk(c.Content())
		for _, o := range c.Overlays().List() {
			walk(o)
		}
	}
}

// settle resizes the window to size, then grows it as long as its content
// needs more (wrapped text needs more lines when narrower), as the real
// window does.
func settle(w fyne.Window, size fyne.Size) fyne.Size {
	for range 5 {
		w.Resize(size)
		// The window pads its content.
		pad := w.Canvas().Size().Subtract(w.Content().Size())
		min := w.Content().MinSize().Add(pad)
		if min.Width <= size.Width && min.Height <= size.Height {
			layOutAgain(w.Canvas())
			break
		}
		size = size.Max(min)
	}
	return size
}

// firstRunes returns the first n runes of s (all of s when shorter).
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// describe names an object for a problem report: its type, and its text
// when it has one.
func describe(o fyne.CanvasObject) string {
	name := strings.TrimPrefix(fmt.Sprintf("%T", o), "*")
	text := ""
	switch x := o.(type) {
	case *widget.Label:
		text = x.Text
	case *widget.Button:
		text = x.Text
	case *widget.Check:
		text = x.Text
	case *canvas.Text:
		text = x.Text
	case *widget.Select:
		text = x.Selected
	}
	if text != "" {
		if utf8.RuneCountInString(text) > 30 {
			text = firstRunes(text, 30) + "…"
		}
		name += fmt.Sprintf("(%q)", text)
	}
	return name
}

// tourState is the state a screen of the tour starts from.
type tourState int

const (
	onNewVault tourState = iota // the first run: no vault yet
	onLocked                    // a vault, locked
	onUnlocked                  // a vault, unlocked, the list on show
)

// screenTour is every screen and dialog of the window, each set up from a
// harness in the state it names; the list's state is reset between them.
var screenTour = []struct {
	name  string
	state tourState
	setup func(t *testing.T, h *harness)
}{
	{"create", onNewVault, func(t *testing.T, h *harness) {}},
	{"create typing", onNewVault, func(t *testing.T, h *harness) {
		test.Type(h.ui.create.pass1, "short")
		h.ui.create.onCreate()
	}},
	{"recovery code", onNewVault, func(t *testing.T, h *harness) {
		s := h.ui.create
		s.pass1.SetText(testPass)
		s.pass2.SetText(testPass)
		test.Tap(s.button)
	}},
	{"empty list", onNewVault, func(t *testing.T, h *harness) {
		s := h.ui.create
		s.pass1.SetText(testPass)
		s.pass2.SetText(testPass)
		test.Tap(s.button)
		test.Tap(s.saved)
		test.Tap(s.cont)
	}},
	{"unlock", onLocked, nil},
	{"unlock failed", onLocked, func(t *testing.T, h *harness) {
		test.Type(h.ui.unlock.pass, "not the passphrase")
		h.press(h.ui.unlock.pass, fyne.KeyReturn)
	}},
	{"unlock recovery", onLocked, func(t *testing.T, h *harness) {
		test.Tap(h.ui.unlock.recovery)
		test.Type(h.ui.unlock.pass, "AGE-SECRET-KEY-1NOTAREALCODE")
		h.press(h.ui.unlock.pass, fyne.KeyReturn)
	}},
	{"list", onUnlocked, func(t *testing.T, h *harness) { h.unlock() }},
	{"no match", onUnlocked, func(t *testing.T, h *harness) {
		test.Type(h.ui.list.search, "no such entry anywhere in this vault")
	}},
	{"grouped by tag", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.list.group.SetSelected(groupByTag)
	}},
	{"toast", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.toast.show("Copied the code of a service with a rather long name. The clipboard is cleared in 30 s.", toastTime, "Undo", func() {})
	}},
	{"add", onUnlocked, func(t *testing.T, h *harness) { h.ui.showAdd() }},
	{"add hotp", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.showAdd()
		h.ui.add.kind.SetSelected(h.ui.add.kind.Options[1])
	}},
	{"add steam", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.showAdd()
		h.ui.add.kind.SetSelected(h.ui.add.kind.Options[2])
	}},
	{"add token", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.showAdd()
		h.ui.add.kind.SetSelected(h.ui.add.kind.Options[3])
	}},
	{"add invalid", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.showAdd()
		a := h.ui.add
		test.Type(a.issuer, "Example")
		test.Type(a.secret, "not base32 at all!") // the longest of otp's secret errors
		a.digits.SetText("99")
		h.press(a.secret, fyne.KeyReturn)
		if a.form.Validate() == nil {
			t.Fatal("the form takes a secret that is not base32")
		}
	}},
	{"add invalid length", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.showAdd()
		test.Type(h.ui.add.secret, "ABCDEFGHA")
		h.press(h.ui.add.secret, fyne.KeyReturn)
	}},
	{"edit", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.list.selectRow(0)
		h.ui.list.onEdit()
	}},
	{"settings", onUnlocked, func(t *testing.T, h *harness) { h.ui.showSettings() }},
	{"help", onUnlocked, func(t *testing.T, h *harness) { h.press(h.ui.list.search, fyne.KeyF1) }},
	{"backups", onUnlocked, func(t *testing.T, h *harness) { h.ui.showBackups() }},
	{"automatic backups", onUnlocked, func(t *testing.T, h *harness) { h.ui.showAutoBackup() }},
	{"export", onUnlocked, func(t *testing.T, h *harness) { h.ui.showExport() }},
	{"approvals manager", onUnlocked, func(t *testing.T, h *harness) { h.ui.approvals.showManager() }},
	{"approval prompt", onUnlocked, func(t *testing.T, h *harness) {
		svc := h.ui.approvals.svc
		t.Cleanup(svc.Close)
		svc.SetIssuer("http://127.0.0.1:7787")
		if _, err := svc.StartPairing(approve.PairRequest{Name: "a deployment script with a long name"}, approve.Caller{}); err != nil {
			t.Fatal(err)
		}
	}},
	{"import file", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.importFile("accounts.txt", []byte(
			"otpauth://totp/Example%20Savings%20Bank%20of%20a%20Long%20Name:someone.with.a.long.address@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Savings%20Bank%20of%20a%20Long%20Name\n"+
				"otpauth://hotp/Counter:eve?secret=KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF&counter=3\n"+
				"otpauth://totp/Broken?secret=not-base32\n"), nil)
	}},
	{"import preview", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.takeTexts([]string{
			"otpauth://totp/Example%20Savings%20Bank%20of%20a%20Long%20Name:someone.with.a.long.address@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Savings%20Bank%20of%20a%20Long%20Name",
			"otpauth://hotp/Counter:eve?secret=JBSWY3DPEHPK3PXP&counter=3",
		}, "a screenshot")
	}},
	{"change passphrase", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.showPasswd()
		h.overlayEntries()[1].SetText("weak")
	}},
	{"security keys", onUnlocked, func(t *testing.T, h *harness) { h.ui.showKeys() }},
	{"security keys enrolled", onUnlocked, func(t *testing.T, h *harness) {
		h.ui.showKeys()
		h.enrolKey(h.browser(), webauthntest.NewSoftKey(t), "The YubiKey 5C NFC kept in the drawer of the office desk", "")
	}},
	{"security key waiting", onUnlocked, func(t *testing.T, h *harness) {
		h.browser()
		h.ui.showKeys()
		test.Tap(h.ui.keys.addButton())
		test.Type(h.dialogEntry(0), "spare key")
		test.Tap(h.button("Continue"))
	}},
	{"devices", onUnlocked, func(t *testing.T, h *harness) {
		sf := t.TempDir()
		h.app.Preferences().SetString(prefSyncFolder, sf)
		if _, err := folder.Sync(h.ui.vault, sf, &folder.Options{Name: "The work laptop on the third floor, by the window"}); err != nil {
			t.Fatal(err)
		}
		h.ui.showDevices()
	}},
	{"unlock with a key", onLocked, nil},
}

// Every screen and dialog, in both themes, opened in the smallest window
// (minSize), at the start size and in a large one: nothing cut off at the
// window's edge, no widget squeezed below its minimum, no wrapped text a
// few letters wide.
func TestEveryScreenLaysOut(t *testing.T) {
	parent := t
	es := append(testEntries(t), manyEntries(t, 12)...) // more than the window shows
	es[0].Issuer = "The Very Long Issuer Name Of A Regional Savings Bank Cooperative"
	es[0].Account = "an.extremely.long.account.name.for.testing@subdomain.example.co.uk"
	es[0].Tags = []string{"work", "personal", "family", "a-rather-long-tag"}
	for _, variant := range []string{themeLight, themeDark} {
		sizes := []fyne.Size{{}}   // {}: the smallest the window can be
		if variant == themeLight { // the themes differ in colour, not in size
			sizes = append(sizes, startSize, fyne.NewSize(1200, 900))
		}
		for _, size := range sizes {
			// One window for the screens of a vault, made ready for each;
			// a new one for each first-run screen.
			dir := filepath.Join(t.TempDir(), "vault")
			makeVault(t, dir, es)
			var shared *harness
			for _, sc := range screenTour {
				name := fmt.Sprintf("%s/%s/%vx%v", variant, sc.name, size.Width, size.Height)
				t.Run(name, func(t *testing.T) {
					if shared == nil && sc.state != onNewVault {
						shared = newHarness(parent, dir)
						applyTheme(shared.app, variant)
					}
					h := shared
					if sc.state == onNewVault {
						h = newHarness(t, filepath.Join(t.TempDir(), "vault"))
						applyTheme(h.app, variant)
					}
					h.t = t
					settle(h.win, size)
					resetForTour(h, sc.state)
					if sc.setup != nil {
						sc.setup(t, h)
					}
					got := settle(h.win, size)
					if size.IsZero() && (got.Width > minSize.Width+16 || got.Height > minSize.Height+16) {
						t.Errorf("the smallest window is %vx%v, more than minSize %vx%v", got.Width, got.Height, minSize.Width, minSize.Height)
					}
					if !size.IsZero() && got != size {
						t.Errorf("the %vx%v window grew to %vx%v", size.Width, size.Height, got.Width, got.Height)
					}
					for _, p := range layoutProblems(h.win.Canvas()) {
						t.Errorf("at %vx%v: %s", got.Width, got.Height, p)
					}
				})
			}
		}
	}
}

// resetForTour closes what the last screen of the tour left open and puts
// the window in state: locked, or unlocked on the plain list.
func resetForTour(h *harness, state tourState) {
	for h.ui.closeTopDialog() {
	}
	if h.ui.toast.message() != "" {
		h.ui.toast.hide()
	}
	switch state {
	case onLocked:
		if h.ui.unlocked() {
			h.ui.lock()
			h.ui.toast.hide()
		}
		h.ui.unlock.reset()
	case onUnlocked:
		if !h.ui.unlocked() {
			h.ui.unlock.reset()
			h.unlock()
		}
		if h.ui.list.search.Text != "" {
			h.ui.list.search.SetText("")
		}
		if h.ui.list.group.Selected != groupAll {
			h.ui.list.group.SetSelected(groupAll)
		}
		if h.ui.current != h.ui.list.content {
			h.ui.showList()
		}
	}
}

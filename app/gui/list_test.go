package gui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

func ctrl(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

func TestSearchFilters(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"git", []string{"GitHub", "GitLab"}},
		{"lab", []string{"GitLab"}},
		{"work", []string{"GitLab"}},        // tag
		{"carol", []string{"Example Bank"}}, // account
		{"bank ex", []string{"Example Bank"}},
		{"zzz", nil},
		{"", []string{"GitHub", "GitLab", "Example Bank", "Counter Co", "CI token"}},
	} {
		h.ui.list.search.SetText("")
		test.Type(h.ui.list.search, tc.query)
		if got := h.shownIssuers(); !slices.Equal(got, tc.want) {
			t.Errorf("search %q shows %v, want %v", tc.query, got, tc.want)
		}
	}
	test.Type(h.ui.list.search, "zzz")
	if !h.ui.list.empty.Visible() || !strings.Contains(h.ui.list.empty.Text, "Nothing matches") {
		t.Fatal("no message for a search without matches")
	}
	h.press(h.ui.list.search, fyne.KeyEscape)
	if h.ui.list.search.Text != "" || len(h.ui.list.shown) != 5 {
		t.Fatal("Escape did not clear the search")
	}
}

// The search field keeps the focus, and shows it, however long nothing
// happens: widgets are told not to animate, so the focused field draws a
// steady cursor instead of redrawing the window at the frame rate.
func TestSearchKeepsVisibleFocus(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.clock.Advance(3 * time.Minute) // under the idle lock
	if h.focused() != h.ui.list.search {
		t.Fatalf("focus on %T after a rest, want the search field", h.focused())
	}
	if fyne.CurrentApp().Settings().ShowAnimations() {
		t.Fatal("widgets may animate: a focused field would blink its cursor, redrawing the window all the time")
	}
	// Focus moved away (a click on the list's background): typing still
	// searches, and Enter copies.
	h.win.Canvas().Unfocus()
	test.TypeOnCanvas(h.win.Canvas(), "lab")
	if h.ui.list.search.Text != "lab" || h.focused() != h.ui.list.search {
		t.Fatalf("typing with nothing focused gave search %q", h.ui.list.search.Text)
	}
	h.win.Canvas().Unfocus()
	h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if want := totpAt(t, gitlabSecret, h.clock.Now(), "--totp=SHA256", "--digits=8"); h.clipboard() != want {
		t.Fatalf("Enter with nothing focused copied %q, want %q", h.clipboard(), want)
	}
}

func TestPassphraseKeepsFocus(t *testing.T) {
	h := newHarness(t, "")
	h.clock.Advance(time.Minute)
	if h.focused() != h.ui.unlock.pass {
		t.Fatalf("focus on %T after a rest, want the passphrase field", h.focused())
	}
	h.win.Canvas().Unfocus()
	test.TypeOnCanvas(h.win.Canvas(), testPass)
	h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !h.ui.unlocked() {
		t.Fatalf("typing the passphrase with nothing focused did not unlock: %q", h.ui.unlock.status.Text)
	}
}

func TestEnterCopiesTopMatch(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.Type(h.ui.list.search, "gitl")
	h.press(h.ui.list.search, fyne.KeyReturn)
	want := totpAt(t, gitlabSecret, t0, "--totp=SHA256", "--digits=8")
	if got := h.clipboard(); got != want {
		t.Fatalf("clipboard = %q, want oathtool's %q", got, want)
	}
	if msg := h.ui.toast.message(); !strings.Contains(msg, "Copied") {
		t.Fatalf("toast = %q", msg)
	}
	e, _ := h.ui.vault.Entry(h.ui.list.entry(0).ID)
	if e.Uses != 1 || e.LastUsed.IsZero() {
		t.Fatalf("use not recorded: uses %d, last used %v", e.Uses, e.LastUsed)
	}
}

func TestCopyTakesNextCodeNearTheEnd(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.clock.Advance(17 * time.Second) // 3 s left in the step
	test.Type(h.ui.list.search, "github")
	h.press(h.ui.list.search, fyne.KeyReturn)
	next := t0.Add(20 * time.Second)
	if got, want := h.clipboard(), totpAt(t, githubSecret, next); got != want {
		t.Fatalf("clipboard = %q, want the next step's code %q", got, want)
	}
	if msg := h.ui.toast.message(); !strings.Contains(msg, "next one") {
		t.Fatalf("toast %q does not say the next code was taken", msg)
	}
}

func TestClipboardClearedAfterDelay(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.Type(h.ui.list.search, "github")
	h.press(h.ui.list.search, fyne.KeyReturn)
	code := h.clipboard()
	h.clock.Advance(29 * time.Second)
	if h.clipboard() != code {
		t.Fatal("clipboard cleared before the default 30 s")
	}
	h.clock.Advance(time.Second)
	if h.clipboard() != "" {
		t.Fatalf("clipboard holds %q after 30 s", h.clipboard())
	}

	// A shorter setting, and text the person copied since stays.
	h.app.Preferences().SetInt(prefClearAfter, 3)
	h.press(h.ui.list.search, fyne.KeyReturn)
	h.app.Clipboard().SetContent("my own text")
	h.clock.Advance(5 * time.Second)
	if h.clipboard() != "my own text" {
		t.Fatalf("clipboard = %q, the person's own text was cleared", h.clipboard())
	}
	h.press(h.ui.list.search, fyne.KeyReturn)
	h.clock.Advance(3 * time.Second)
	if h.clipboard() != "" {
		t.Fatal("clipboard not cleared after the configured 3 s")
	}
}

func TestArrowsAndCtrlC(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	l := h.ui.list
	h.press(l.search, fyne.KeyDown)
	h.press(l.search, fyne.KeyDown)
	if l.selected != 2 {
		t.Fatalf("after two Down presses the selection is %d", l.selected)
	}
	h.press(l.search, fyne.KeyUp)
	if l.selected != 1 {
		t.Fatalf("after Up the selection is %d", l.selected)
	}
	l.search.TypedShortcut(&fyne.ShortcutCopy{Clipboard: h.app.Clipboard()})
	want := totpAt(t, gitlabSecret, t0, "--totp=SHA256", "--digits=8")
	if got := h.clipboard(); got != want {
		t.Fatalf("Ctrl+C copied %q, want the selected GitLab code %q", got, want)
	}
	// Down at the end stays on the last entry.
	for range 10 {
		h.press(l.search, fyne.KeyDown)
	}
	if l.selected != len(l.shown)-1 {
		t.Fatalf("selection ran past the end: %d", l.selected)
	}
}

func TestShortcuts(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	l := h.ui.list
	l.search.TypedShortcut(ctrl(fyne.KeyN))
	if h.ui.current != h.ui.add.content {
		t.Fatal("Ctrl+N does not open the add screen")
	}
	h.ui.showList()
	l.search.TypedShortcut(ctrl(fyne.KeyE))
	if h.ui.current != h.ui.edit.content || h.ui.edit.issuer.Text != "GitHub" {
		t.Fatal("Ctrl+E does not edit the selected entry")
	}
	h.ui.showList()
	l.search.TypedShortcut(ctrl(fyne.KeyComma))
	if h.ui.current != h.ui.settings.content {
		t.Fatal("Ctrl+, does not open the settings")
	}
	h.ui.showList()
	h.win.Canvas().Unfocus()
	l.search.TypedShortcut(ctrl(fyne.KeyF))
	if h.focused() != l.search {
		t.Fatal("Ctrl+F does not focus the search")
	}
	h.press(l.search, fyne.KeyF1)
	if len(h.win.Canvas().Overlays().List()) == 0 {
		t.Fatal("F1 shows no help")
	}
}

// Each TOTP row shows its own countdown ring, in 5 s steps with the last
// 5 s as one state (each change redraws the window); HOTP and token rows
// have none; nothing ticks while locked.
func TestCountdownsAndTick(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	l := h.ui.list
	rings := map[string]*countdownRing{}
	for i := range l.shown {
		r := h.rowOf(i)
		e := l.entry(i)
		if r.ring.box.Visible() != (e.Kind == vault.KindOTP && e.OTP.Kind != otp.HOTP) {
			t.Fatalf("%s: ring shown %v", e.Issuer, r.ring.box.Visible())
		}
		rings[e.Issuer] = r.ring
	}
	// t0 is 10 s into a 30 s step and 10 s into a 60 s one.
	if got := rings["GitHub"].fraction(); got != float32(20)/30 {
		t.Fatalf("30 s ring at %v, want 20/30", got)
	}
	if got := rings["Example Bank"].fraction(); got != float32(50)/60 {
		t.Fatalf("60 s ring at %v, want 50/60", got)
	}
	test.Type(l.search, "github")
	r := h.rowOf(0)
	before := r.code.Text
	want := totpAt(t, githubSecret, t0)
	if strings.ReplaceAll(before, " ", "") != want || before[3] != ' ' {
		t.Fatalf("row shows %q, want %q grouped as 123 456", before, want)
	}
	h.clock.Advance(20*time.Second + 10*time.Millisecond) // ticks run into the next step
	after := r.code.Text
	if strings.ReplaceAll(after, " ", "") != totpAt(t, githubSecret, t0.Add(20*time.Second)) || after == before {
		t.Fatalf("after the step changed the row shows %q", after)
	}
	if got := r.ring.fraction(); got != 1 {
		t.Fatalf("ring at a step start = %v, want full", got)
	}
	// Over one step the ring changes in 5 s steps, and the last 5 s are
	// one state in the warning colour: 6 changes, not 30.
	changes, last, warned := 0, r.ring.fraction(), false
	for range 30 {
		h.clock.Advance(time.Second)
		if got := r.ring.fraction(); got != last {
			changes, last = changes+1, got
		}
		warned = warned || r.ring.warn && r.ring.left.FillColor == theme.Color(theme.ColorNameWarning)
	}
	if changes != 6 || !warned {
		t.Fatalf("%d changes over one step (warned %v), want 6", changes, warned)
	}
	h.ui.lock()
	n := h.clock.Pending()
	h.clock.Advance(10 * time.Second)
	if h.clock.Pending() > n {
		t.Fatal("ticks keep being scheduled while locked")
	}
}

func TestHOTPNextCode(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.Type(h.ui.list.search, "counter")
	h.press(h.ui.list.search, fyne.KeyReturn)
	want := oathtool(t, "--hotp", "--counter=5", "--base32", hotpSecret)
	if h.clipboard() != want {
		t.Fatalf("HOTP copy = %q, want oathtool's counter 5 code %q", h.clipboard(), want)
	}
	h.press(h.ui.list.search, fyne.KeyReturn)
	if want6 := oathtool(t, "--hotp", "--counter=6", "--base32", hotpSecret); h.clipboard() != want6 {
		t.Fatalf("second HOTP copy = %q, want counter 6 code %q", h.clipboard(), want6)
	}
	// The counter was saved before the code was shown.
	h.ui.lock()
	h.unlock()
	for _, e := range h.ui.vault.Entries() {
		if e.Issuer == "Counter Co" && e.OTP.Counter != 7 {
			t.Fatalf("saved counter = %d, want 7", e.OTP.Counter)
		}
	}
}

func TestTokenMaskedAndExpiryBadge(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.Type(h.ui.list.search, "ci token")
	r := h.rowOf(0)
	if r.code.Text != "••••••••" {
		t.Fatalf("token row not masked: %+v", r)
	}
	if !r.badge.Visible() || r.badge.Text != "expires in 3 days" {
		t.Fatalf("badge = %q visible %v", r.badge.Text, r.badge.Visible())
	}
	test.Tap(r.reveal)
	if !strings.HasPrefix(r.code.Text, "tok_abc") {
		t.Fatalf("revealed token shows %q", r.code.Text)
	}
	h.press(h.ui.list.search, fyne.KeyReturn)
	if h.clipboard() != "tok_abcdefghijklmnopqrstuvwxyz012345" {
		t.Fatal("Enter on a token does not copy its value")
	}
}

func TestIdleLock(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.clock.Advance(4 * time.Minute)
	test.Type(h.ui.list.search, "g") // activity postpones the lock
	h.clock.Advance(4 * time.Minute)
	if !h.ui.unlocked() {
		t.Fatal("locked although the person was active 4 minutes ago")
	}
	h.clock.Advance(time.Minute + time.Second)
	if h.ui.unlocked() {
		t.Fatal("not locked after 5 idle minutes")
	}
}

func TestGroupsAndSort(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	l := h.ui.list
	l.group.SetSelected(groupFavourites)
	if got := h.shownIssuers(); !slices.Equal(got, []string{"GitLab"}) {
		t.Fatalf("favourites group shows %v", got)
	}
	l.group.SetSelected("work")
	if got := h.shownIssuers(); !slices.Equal(got, []string{"GitLab"}) {
		t.Fatalf("tag group shows %v", got)
	}
	l.group.SetSelected(groupAll)
	l.sortBy.SetSelected(sortName)
	if got := h.shownIssuers(); !slices.Equal(got, []string{"CI token", "Counter Co", "Example Bank", "GitHub", "GitLab"}) {
		t.Fatalf("by name: %v", got)
	}
	if h.app.Preferences().String(prefSort) != sortName {
		t.Fatal("sort order not kept in the preferences")
	}
	// Use GitLab twice and Example once: most used puts GitLab first.
	for _, q := range []string{"gitlab", "gitlab", "example"} {
		l.search.SetText(q)
		h.press(l.search, fyne.KeyReturn)
	}
	l.search.SetText("")
	l.sortBy.SetSelected(sortMostUsed)
	if got := h.shownIssuers(); got[0] != "GitLab" || got[1] != "Example Bank" {
		t.Fatalf("by most used: %v", got)
	}
	l.sortBy.SetSelected(sortManual)
	h.ui.moveEntry(l.entry(0).ID, 2) // GitHub down two places
	if got := h.shownIssuers(); !slices.Equal(got, []string{"GitLab", "Example Bank", "GitHub", "Counter Co", "CI token"}) {
		t.Fatalf("after moving GitHub down two: %v", got)
	}
	h.ui.lock()
	h.unlock()
	if got := h.shownIssuers(); got[2] != "GitHub" {
		t.Fatalf("manual order not saved: %v", got)
	}
}

// Quitting writes the pending use counts and takes the code off the
// clipboard.
func TestQuitSavesAndClears(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.Type(h.ui.list.search, "github")
	h.press(h.ui.list.search, fyne.KeyReturn)
	if !h.ui.unsaved {
		t.Fatal("the use count is not pending")
	}
	h.ui.Quit()
	if h.clipboard() != "" {
		t.Fatal("quitting left the code on the clipboard")
	}
	v := newVaultHandle(t, h.dir)
	for _, e := range v.Entries() {
		if e.Issuer == "GitHub" && e.Uses != 1 {
			t.Fatalf("saved uses = %d, want 1", e.Uses)
		}
	}
}

// A toast takes room of its own under the screen, so it covers none of
// the list's rows, nor a form's buttons, and gives it back when it goes.
func TestToastCoversNoRow(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	d := h.app.Driver()
	listBottom := func() float32 { return d.AbsolutePositionForObject(h.ui.list.list).Y + h.ui.list.list.Size().Height }
	full := listBottom()
	h.press(h.ui.list.search, fyne.KeyReturn)
	if h.ui.toast.message() == "" {
		t.Fatal("no toast after a copy")
	}
	toastTop := d.AbsolutePositionForObject(h.ui.toast.box).Y
	if toastTop < listBottom() {
		t.Fatalf("toast starts at y=%v, over the list, which ends at y=%v", toastTop, listBottom())
	}
	h.clock.Advance(toastTime + time.Second)
	if h.ui.toast.message() != "" || listBottom() != full {
		t.Fatalf("after the toast the list ends at %v, not %v", listBottom(), full)
	}
	// The same under a form: its buttons stay above the toast.
	h.ui.showAdd()
	h.ui.toast.show("A message long enough to take two lines in the smallest window, over the form's buttons.", toastTime, "Undo", func() {})
	add, _ := find(h.ui.add.content, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Add"
	}).(*widget.Button)
	if add == nil {
		t.Fatal("no Add button on the add form")
	}
	addBottom := d.AbsolutePositionForObject(add).Y + add.Size().Height
	if toastTop := d.AbsolutePositionForObject(h.ui.toast.box).Y; toastTop < addBottom {
		t.Fatalf("toast starts at y=%v, over the add form's buttons, which end at y=%v", toastTop, addBottom)
	}
}

// Tags show as chips in the row, two and then a count; a token's expiry
// badge sits on its name's line.
func TestRowChipsAndBadge(t *testing.T) {
	dir := t.TempDir()
	entries := testEntries(t)
	entries[0].Tags = []string{"a", "b", "c", "d"}
	makeVault(t, dir, entries)
	h := newHarness(t, dir)
	h.unlock()
	chips := func(r *row) []string {
		var out []string
		for _, c := range r.chips {
			if c.box.Visible() {
				out = append(out, c.text.Text)
			}
		}
		return out
	}
	for i, issuer := range h.shownIssuers() {
		r := h.rowOf(i)
		got := chips(r)
		switch issuer {
		case "GitHub":
			if !slices.Equal(got, []string{"a", "b", "+2"}) {
				t.Fatalf("GitHub's chips %v", got)
			}
		case "GitLab":
			if !slices.Equal(got, []string{"work"}) {
				t.Fatalf("GitLab's chips %v", got)
			}
		case "CI token":
			if !r.badge.Visible() || !strings.Contains(r.badge.Text, "expires in 3 days") {
				t.Fatalf("token badge %q (shown %v)", r.badge.Text, r.badge.Visible())
			}
			d := h.app.Driver()
			if d.AbsolutePositionForObject(r.badge).Y > d.AbsolutePositionForObject(r.issuer).Y+r.issuer.Size().Height/2 {
				t.Fatal("the expiry badge is not on the name's line")
			}
		default:
			if len(got) != 0 {
				t.Fatalf("%s shows chips %v without tags", issuer, got)
			}
		}
	}
}

package gui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/vault"
)

// TestBackupsDialog opens the list of backups from the settings with the
// keyboard, restores the second newest, and undoes that by restoring the
// backup the restore made of what the vault held.
func TestBackupsDialog(t *testing.T) {
	dir := vaultWithLaterSaves(t)
	v, err := vault.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := v.Backups()
	if err != nil || len(bs) != 3 {
		t.Fatalf("backups %v, %v; want 3", bs, err)
	}
	// Give the backups times relative to the test clock: the body with
	// Later Co, the test entries, and the empty body of the new vault.
	saved := []time.Time{t0.Add(-2 * time.Hour), t0.Add(-3*24*time.Hour - 5*time.Hour), t0.Add(-100 * 24 * time.Hour)}
	for i, b := range bs {
		if err := os.Chtimes(filepath.Join(dir, "backups", "body-"+b.ID+".age"), saved[i], saved[i]); err != nil {
			t.Fatal(err)
		}
	}
	local := func(tm time.Time) string { return tm.Local().Format("2 Jan 2006 15:04") }

	h := newHarness(t, dir)
	h.unlock()
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyComma))
	if h.ui.current != h.ui.settings.content {
		t.Fatal("Ctrl+, did not open the settings")
	}
	// Tab to the Backups… button and press Space.
	var open *widget.Button
	for range 30 {
		h.win.Canvas().FocusNext()
		if b, ok := h.focused().(*widget.Button); ok && b.Text == "Backups…" {
			open = b
			break
		}
	}
	if open == nil {
		t.Fatalf("Tab does not reach a Backups… button in the settings:\n%s", test.RenderObjectToMarkup(h.ui.settings.content))
	}
	h.press(open, fyne.KeySpace)
	d := h.ui.settings.backupsDialog
	top := h.topOverlay()
	if d == nil || top == nil {
		t.Fatal("Backups… opened no dialog")
	}
	want := []string{
		local(saved[0]) + " (2 hours ago)",
		local(saved[1]) + " (3 days ago)",
		local(saved[2]) + " (3 months ago)",
	}
	if got := shownBackups(top); !slices.Equal(got, want) {
		t.Fatalf("the dialog lists %q, want newest first %q", got, want)
	}
	// Each says what its save changed, without the backups' numbers.
	details := []string{"+1 entry · 6 entries", "+5 entries · 5 entries", "0 entries"}
	var got []string
	for _, l := range details {
		got = append(got, labelTexts(top, l)...)
	}
	if !slices.Equal(got, details) {
		t.Fatalf("backup details %q, want %q", got, details)
	}

	// The list has the focus: Down, Space asks to restore the second newest.
	if h.focused() != d.list {
		t.Fatalf("the focus is on %T, not on the list of backups", h.focused())
	}
	h.press(d.list, fyne.KeyDown)
	h.press(d.list, fyne.KeySpace)
	confirm := h.topOverlay()
	if confirm == top {
		t.Fatal("Space on a backup asked nothing")
	}
	msg := "The vault goes back to how it was on " + want[1] + "; what it holds now is kept as a backup, so this can be undone the same way.\n\n" +
		"This removes Later Co: ivy, Latest Ltd: jo."
	if labelTexts(confirm, msg) == nil {
		t.Fatalf("the confirmation does not say %q:\n%s", msg, test.RenderObjectToMarkup(confirm))
	}
	// Tab to Restore, Space.
	var restore *widget.Button
	for range 10 {
		h.win.Canvas().FocusNext()
		if b, ok := h.focused().(*widget.Button); ok && b.Text == "Restore" {
			restore = b
			break
		}
	}
	if restore == nil {
		t.Fatal("Tab does not reach the Restore button of the confirmation")
	}
	h.press(restore, fyne.KeySpace)

	var before []string
	for _, e := range testEntries(t) {
		before = append(before, e.Label())
	}
	if got := h.shownIssuers(); slices.Contains(got, "Later Co") || slices.Contains(got, "Latest Ltd") || len(got) != 5 {
		t.Fatalf("after restoring the second newest backup the list shows %v, want the 5 test entries", got)
	}
	if got := h.saved(); !sameSet(got, before) {
		t.Fatalf("after restoring, the vault on disk holds %q, want %q", got, before)
	}
	// The dialog is still open and lists what the vault held as the newest
	// backup, saved just now.
	if h.topOverlay() != top {
		t.Fatal("the list of backups closed after restoring")
	}
	after, err := h.ui.vault.Backups()
	if err != nil || len(after) == 0 || slices.ContainsFunc(bs, func(b vault.Backup) bool { return b.ID == after[0].ID }) {
		t.Fatalf("after restoring, backups %v (%v); want a new newest one", after, err)
	}
	if got := labelTexts(top, "+1 entry · 7 entries"); len(got) != 1 {
		t.Fatalf("after restoring, the newest backup is not the 7 entries restoring replaced:\n%s", test.RenderObjectToMarkup(top))
	}

	// Undo by restoring that one, with the mouse this time.
	tapped := find(top, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Restore…"
	})
	if tapped == nil {
		t.Fatal("no Restore… button on the first backup")
	}
	test.Tap(tapped.(*widget.Button))
	ok := find(h.topOverlay(), func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Restore"
	})
	if ok == nil {
		t.Fatal("Restore… asked nothing")
	}
	test.Tap(ok.(*widget.Button))
	if got := h.saved(); !slices.Contains(got, "Later Co: ivy") || !slices.Contains(got, "Latest Ltd: jo") {
		t.Fatalf("after undoing the restore, the vault on disk holds %q", got)
	}
	if got := h.shownIssuers(); !slices.Contains(got, "Latest Ltd") {
		t.Fatalf("after undoing the restore, the list shows %v", got)
	}

	// Locking closes the dialog.
	h.ui.lock()
	if h.topOverlay() == top {
		t.Fatal("the list of backups stays open over the unlock screen")
	}
}

// TestBackupsEmpty: a vault never saved since it was made has no backups,
// and the dialog says so.
func TestBackupsEmpty(t *testing.T) {
	dir := t.TempDir()
	v, _, err := vault.Create(dir, testPass, &vault.Options{WorkFactor: testWorkFactor})
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	h := newHarness(t, dir)
	h.unlock()
	h.ui.showSettings()
	open := find(h.ui.settings.content, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Backups…"
	})
	if open == nil {
		t.Fatal("no Backups… button in the settings")
	}
	test.Tap(open.(*widget.Button))
	top := h.topOverlay()
	if top == nil {
		t.Fatal("Backups… opened no dialog")
	}
	if labelTexts(top, "No backups yet.") == nil {
		t.Fatalf("the dialog does not say there are no backups:\n%s", test.RenderObjectToMarkup(top))
	}
	if find(top, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Restore…" && b.Visible()
	}) != nil {
		t.Fatal("a Restore… button with no backups")
	}
}

func TestAgo(t *testing.T) {
	const day = 24 * time.Hour
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-2 * time.Minute, ""},
		{-30 * time.Second, "just now"},
		{59 * time.Second, "just now"},
		{time.Minute, "1 minute ago"},
		{59 * time.Minute, "59 minutes ago"},
		{time.Hour, "1 hour ago"},
		{23*time.Hour + 59*time.Minute, "23 hours ago"},
		{day, "1 day ago"},
		{3*day + 5*time.Hour, "3 days ago"},
		{59 * day, "59 days ago"},
		{60 * day, "2 months ago"},
		{364 * day, "12 months ago"},
		{365 * day, "1 year ago"},
		{800 * day, "2 years ago"},
	} {
		if got := ago(c.d); got != c.want {
			t.Errorf("ago(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	for n, want := range map[int64]string{1: "1 byte", 999: "999 bytes", 1000: "1.0 kB", 4321: "4.3 kB", 2_500_000: "2.5 MB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}

// topOverlay returns the window's topmost overlay, nil if none.
func (h *harness) topOverlay() fyne.CanvasObject {
	return h.win.Canvas().Overlays().Top()
}

// labelTexts returns the texts of the visible labels under o that start
// with prefix, in order.
func labelTexts(o fyne.CanvasObject, prefix string) []string {
	var out []string
	find(o, func(c fyne.CanvasObject) bool {
		if l, ok := c.(*widget.Label); ok && l.Visible() && strings.HasPrefix(l.Text, prefix) && l.Text != "" {
			out = append(out, l.Text)
		}
		return false
	})
	return out
}

// shownBackups returns the times the rows of the backups dialog under o
// show, in order.
func shownBackups(o fyne.CanvasObject) []string {
	var out []string
	for _, s := range labelTexts(o, "") {
		if strings.HasSuffix(s, " ago)") {
			out = append(out, s)
		}
	}
	return out
}

// sameSet says whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

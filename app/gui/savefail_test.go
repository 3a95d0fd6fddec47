package gui

import (
	"os"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// button returns the visible button labelled text in the top dialog.
func (h *harness) button(text string) *widget.Button {
	h.t.Helper()
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatalf("no dialog open to find %q in", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() {
			return b
		}
	}
	h.t.Fatalf("no button %q in the dialog", text)
	return nil
}

// A vault that cannot be written: the failure is said once (no "Added"
// beside it), the change stays visibly pending, and quitting asks whether
// to leave it, retry or stay, instead of bringing the error back forever.
func TestSaveFailureSaidOnceAndQuit(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	aside := h.dir + ".aside"
	if err := os.Rename(h.dir, aside); err != nil {
		t.Fatal(err)
	}
	h.ui.showAdd()
	h.app.Clipboard().SetContent("otpauth://totp/Pending:pat?secret=JBSWY3DPEHPK3PXA&issuer=Pending")
	test.Tap(h.ui.add.paste)
	if msg := h.ui.toast.message(); strings.Contains(msg, "Added") {
		t.Fatalf("the toast says %q while the save failed", msg)
	}
	if len(h.ui.dialogs) != 1 || !strings.Contains(test.RenderObjectToMarkup(h.win.Canvas().Overlays().Top()), "could not be saved") {
		t.Fatalf("%d dialogs after the failed save, want the one that says so", len(h.ui.dialogs))
	}
	if !h.ui.list.pending.Visible() || !strings.Contains(h.ui.list.pendingMsg.Text, "Not saved") {
		t.Fatal("the list does not show the change as pending")
	}
	if !slices.Contains(h.shownIssuers(), "Pending") {
		t.Fatalf("the list shows %v, without the pending entry", h.shownIssuers())
	}
	// Another change while the first failure is on show is not said again.
	h.ui.deleteEntry(h.ui.list.entry(0).ID)
	if len(h.ui.dialogs) != 1 {
		t.Fatalf("%d dialogs after a second failed save", len(h.ui.dialogs))
	}

	// Closing the window: asked once, Cancel stays.
	h.ui.Quit()
	if len(h.ui.dialogs) != 1 || !strings.Contains(test.RenderObjectToMarkup(h.win.Canvas().Overlays().Top()), "Quit without saving?") {
		t.Fatalf("%d dialogs on quit, want the one question", len(h.ui.dialogs))
	}
	test.Tap(h.button("Cancel"))
	if !h.ui.unlocked() || len(h.ui.dialogs) != 0 {
		t.Fatal("Cancel did not keep the window as it was")
	}
	// Retry after the folder is back saves and quits.
	h.ui.Quit()
	if err := os.Rename(aside, h.dir); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.button("Retry"))
	if h.ui.unlocked() {
		t.Fatal("Retry with a writable vault did not quit")
	}
	if got := h.saved(); !slices.Contains(got, "Pending: pat") || slices.Contains(got, "GitHub: alice@example.com") {
		t.Fatalf("saved vault holds %v, want the pending add and delete", got)
	}
	if h.ui.list.pending.Visible() {
		t.Fatal("the pending line stays after a save")
	}
}

// Quit without saving quits, leaving the vault as it was on disk.
func TestQuitWithoutSaving(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	aside := h.dir + ".aside"
	if err := os.Rename(h.dir, aside); err != nil {
		t.Fatal(err)
	}
	h.ui.deleteEntry(h.ui.list.entry(0).ID)
	h.escape() // the failure, read
	h.ui.Quit()
	test.Tap(h.button("Quit without saving"))
	if h.ui.unlocked() {
		t.Fatal("Quit without saving did not quit")
	}
	if err := os.Rename(aside, h.dir); err != nil {
		t.Fatal(err)
	}
	if got := h.saved(); !slices.Contains(got, "GitHub: alice@example.com") {
		t.Fatalf("saved vault holds %v", got)
	}
}

package gui

import (
	"fmt"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// manyEntries returns n TOTP entries named Service 1 ... Service n.
func manyEntries(t testing.TB, n int) []vault.Entry {
	var es []vault.Entry
	for i := 1; i <= n; i++ {
		es = append(es, vault.Entry{Issuer: fmt.Sprintf("Service %d", i), Account: fmt.Sprintf("user%d@example.com", i),
			Position: float64(i), Tags: []string{"work"},
			OTP: otp.Credential{Secret: secret(t, githubSecret), Digits: 6, Period: 30}})
	}
	return es
}

// With more entries than the window holds, the list opens at its top, the
// first entry (the selected one) in view: it opened scrolled down by one
// row, because the first entry was selected (and scrolled to) while the
// list had no size yet.
func TestLongListOpensAtTheTop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vault")
	makeVault(t, dir, manyEntries(t, 40))
	h := newHarness(t, dir)
	h.unlock()
	d := fyne.CurrentApp().Driver()
	top := d.AbsolutePositionForObject(h.ui.list.list).Y
	if y := d.AbsolutePositionForObject(h.rowOf(0).issuer).Y; y < top {
		t.Fatalf("the first entry's row is at y=%v, above the list's top %v: scrolled out of view", y, top)
	}
	if h.ui.list.selected != 0 {
		t.Fatalf("selected %d, want the first entry", h.ui.list.selected)
	}
	// Locking and unlocking again opens at the top too.
	h.ui.lock()
	h.unlock()
	if y := d.AbsolutePositionForObject(h.rowOf(0).issuer).Y; y < top {
		t.Fatalf("after a second unlock the first row is at y=%v, above the list's top %v", y, top)
	}
}

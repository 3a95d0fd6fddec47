package gui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// BenchmarkStartup1000 measures start-up to a usable window on a vault of
// 1,000 entries, the key derivation left out (the vault uses a test work
// factor): open the vault, build every screen, unlock, load and lay out the
// list, and render the window once with Fyne's software painter.
func BenchmarkStartup1000(b *testing.B) {
	dir := b.TempDir()
	entries := make([]vault.Entry, 1000)
	for i := range entries {
		entries[i] = vault.Entry{Issuer: fmt.Sprintf("Service %04d", i), Account: fmt.Sprintf("user%d", i), Position: float64(i + 1),
			OTP: otp.Credential{Secret: []byte(fmt.Sprintf("startup-secret-%05d", i)), Digits: 6, Period: 30}}
	}
	makeVault(b, dir, entries)
	a := test.NewTempApp(b)
	b.ResetTimer()
	for range b.N {
		w := a.NewWindow("Tessera")
		u := New(a, w, Config{VaultDir: dir, Go: func(f func()) { f() }})
		w.Resize(fyne.NewSize(460, 640))
		test.Type(u.unlock.pass, testPass)
		u.unlock.onUnlock()
		if !u.unlocked() || len(u.list.shown) != 1000 {
			b.Fatalf("not usable: unlocked %v, %d shown", u.unlocked(), len(u.list.shown))
		}
		w.Canvas().Capture()
		u.lock()
		w.Close()
	}
}

// BenchmarkTick measures one second's refresh work with the list on screen.
func BenchmarkTick(b *testing.B) {
	dir := b.TempDir()
	makeVault(b, dir, testEntries(b))
	a := test.NewTempApp(b)
	w := a.NewWindow("Tessera")
	u := New(a, w, Config{VaultDir: dir, Go: func(f func()) { f() }})
	w.Resize(fyne.NewSize(460, 640))
	test.Type(u.unlock.pass, testPass)
	u.unlock.onUnlock()
	u.stopTicking()
	b.ResetTimer()
	for range b.N {
		u.onTick()
	}
}

//go:build e2e

package gui

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/vault"
)

// memorySettle is how long after the unlock resident memory is read.
const memorySettle = 5 * time.Second

// BenchmarkGUIMemory unlocks the real binary on a vault of 1,000 entries
// whose passphrase slot has age's default work factor (2^18: scrypt takes
// 256 MiB), and reads its resident memory a few seconds after the unlock,
// beside a bare Fyne window's. The bar: within 40 MiB of the bare window.
// Run it with `make bench-gui`.
func BenchmarkGUIMemory(b *testing.B) {
	tessera := build(b, "github.com/tessera-auth/tessera")
	bare := build(b, "github.com/tessera-auth/tessera/app/gui/testdata/barewindow")
	home := b.TempDir()
	dir := filepath.Join(home, "vault")
	v, _, err := vault.Create(dir, testPass, &vault.Options{WorkFactor: vault.MinWorkFactor})
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range benchEntries(1000) {
		if _, err := v.Add(e); err != nil {
			b.Fatal(err)
		}
	}
	if err := v.Save(); err != nil {
		b.Fatal(err)
	}
	v.Lock()
	for range b.N {
		bd := newXdesk(b, 1024, 768)
		bp := bd.startProgram(bare, bd.env(home))
		bd.waitWindow("^Bare Fyne window$")

		d := newXdesk(b, 1024, 768)
		p := d.startProgram(tessera, d.env(home, "TESSERA_VAULT="+dir))
		win := d.waitWindow("^Tessera")
		d.unlockTessera(win)
		time.Sleep(memorySettle) // measures resident memory as it stands a while after the unlock
		tRSS := rssMiB(p.cmd.Process.Pid)
		bRSS := rssMiB(bp.cmd.Process.Pid)
		verdict := "met"
		if tRSS-bRSS > 40 {
			verdict = "NOT met"
		}
		fmt.Printf("\nResident memory %v after unlocking 1,000 entries (scrypt 2^18, 256 MiB): Tessera %.0f MiB, bare Fyne window %.0f MiB: %+.0f MiB (bar: at most +40): %s\n\n",
			memorySettle, tRSS, bRSS, tRSS-bRSS, verdict)
		b.ReportMetric(tRSS, "tessera-MiB")
		b.ReportMetric(bRSS, "bare-MiB")
	}
}

package gui

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// The unlock screen's layout: logo, title, passphrase field, Unlock button,
// recovery-code link and vault folder.
func TestUnlockScreenMarkup(t *testing.T) {
	h := newHarness(t, "")
	h.ui.unlock.where.SetText("Vault: VAULT") // the temporary folder differs per run
	test.AssertRendersToMarkup(t, "unlock.xml", h.win.Canvas())
}

// The main list: search, group and sort, rows with icons, names and grouped
// codes, and the countdowns of both periods.
func TestMainListMarkup(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	test.AssertRendersToMarkup(t, "list.xml", h.win.Canvas())
}

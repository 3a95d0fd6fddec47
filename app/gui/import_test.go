package gui

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/imports/exportgen"
	"github.com/tessera-auth/tessera/vault"
)

func importEntries(t *testing.T) []vault.Entry {
	t.Helper()
	var out []vault.Entry
	for _, u := range []string{
		"otpauth://totp/Imp1:a?secret=JBSWY3DPEHPK3PXA&issuer=Imp1",
		"otpauth://hotp/Imp2:b?secret=JBSWY3DPEHPK3PXB&issuer=Imp2&counter=5",
		"otpauth://totp/Imp3:c?secret=JBSWY3DPEHPK3PXC&issuer=Imp3&digits=8&algorithm=SHA256",
	} {
		c, _, err := otp.ParseURI(u)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, vault.Entry{Kind: vault.KindOTP, Issuer: c.Issuer, Account: c.Account, OTP: c, Tags: []string{"imported"}})
	}
	return out
}

// An encrypted Aegis export dropped on the window: its passphrase is asked
// (again after a wrong one), the accounts are listed with checkboxes, and
// the chosen ones are added.
func TestImportDroppedExport(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	data, err := exportgen.Write("aegis", importEntries(t), exportgen.Options{Passphrase: []byte("their pass"), ScryptN: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	f := h.ui.importFile("aegis.json", bytes.Clone(data), nil)
	if f.pass == nil || h.topOverlay() == nil {
		t.Fatal("no passphrase asked for an encrypted export")
	}
	test.Type(f.pass, "wrong")
	f.passDlg.Submit()
	if f.screen != nil || f.pass == nil || f.pass.Text != "" {
		t.Fatal("a wrong passphrase did not ask again")
	}
	test.Type(f.pass, "their pass")
	f.passDlg.Submit()
	s := f.screen
	if s == nil || h.ui.current != s.content {
		t.Fatalf("the import list is not shown; toast %q", h.ui.toast.message())
	}
	if len(s.checks) != 3 || s.addBtn.Text != "Add 3" {
		t.Fatalf("%d rows, button %q", len(s.checks), s.addBtn.Text)
	}
	test.Tap(s.checks[1])
	if s.addBtn.Text != "Add 2" {
		t.Fatalf("button %q after unchecking one", s.addBtn.Text)
	}
	test.Tap(s.addBtn)
	got := h.saved()
	if !slices.Contains(got, "Imp1: a") || slices.Contains(got, "Imp2: b") || !slices.Contains(got, "Imp3: c") {
		t.Fatalf("saved vault holds %v, want Imp1 and Imp3 only", got)
	}

	// The same file again: what is in the vault is left out and counted.
	f = h.ui.importFile("aegis.json", bytes.Clone(data), nil)
	test.Type(f.pass, "their pass")
	f.passDlg.Submit()
	if f.screen == nil || len(f.screen.checks) != 1 || !strings.Contains(f.screen.notes.Text, "2 already in the vault") {
		t.Fatalf("second import: %v rows, notes %q", f.screen != nil && len(f.screen.checks) == 1, f.screen.notes.Text)
	}
}

// A plain export dropped as a file goes to the list; an entry it cannot
// use is named.
func TestImportDropPlainFile(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	text := "otpauth://totp/Drop1:x?secret=JBSWY3DPEHPK3PXD&issuer=Drop1\nnot a uri\n"
	path := filepath.Join(t.TempDir(), "codes.txt")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ui.onDropped(fyne.NewPos(1, 1), []fyne.URI{storage.NewFileURI(path)})
	content := h.ui.current
	var notes string
	for _, l := range labelTexts(content, "Cannot use") {
		notes += l
	}
	if !strings.Contains(notes, "line 2: not an otpauth:// URI") {
		t.Fatalf("notes %q", notes)
	}
	if texts := labelTexts(content, "1 new accounts in codes.txt (uris export)"); len(texts) != 1 {
		t.Fatalf("title not shown; labels %q", labelTexts(content, ""))
	}
}

// A Steam Desktop Authenticator folder's manifest.json dropped on the
// window brings the accounts of the .maFiles beside it.
func TestImportDropSteamFolder(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	var accounts []vault.Entry
	for _, u := range []string{"otpauth://steam/Steam:one?secret=GEZDGNBVGY3TQOJRGEZDGNBV", "otpauth://steam/Steam:two?secret=GEZDGNBVGY3TQOJSGEZDGNBV"} {
		c, _, err := otp.ParseURI(u)
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, vault.Entry{Kind: vault.KindOTP, Issuer: c.Issuer, Account: c.Account, OTP: c})
	}
	files, err := exportgen.SteamSDA(accounts, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h.ui.onDropped(fyne.NewPos(1, 1), []fyne.URI{storage.NewFileURI(filepath.Join(dir, "manifest.json"))})
	if texts := labelTexts(h.ui.current, "2 new accounts in manifest.json (steam export)"); len(texts) != 1 {
		t.Fatalf("the two accounts are not listed; labels %q; toast %q", labelTexts(h.ui.current, ""), h.ui.toast.message())
	}
}

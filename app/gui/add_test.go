package gui

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// saved reopens the vault from disk and returns its entries' labels.
func (h *harness) saved() []string {
	h.t.Helper()
	v, err := vault.Open(h.dir, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		h.t.Fatal(err)
	}
	defer v.Lock()
	var out []string
	for _, e := range v.Entries() {
		out = append(out, e.Label())
	}
	return out
}

func TestAddByPastedURI(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyN))
	h.app.Clipboard().SetContent("otpauth://totp/Acme:erin@example.com?secret=JBSWY3DPEHPK3PXQ&issuer=Acme")
	test.Tap(h.ui.add.paste)
	if h.ui.current != h.ui.list.content {
		t.Fatalf("after adding, the list is not shown; add status %q", h.ui.add.status.Text)
	}
	if !slices.Contains(h.saved(), "Acme: erin@example.com") {
		t.Fatalf("saved vault holds %v, want the pasted entry", h.saved())
	}
	if msg := h.ui.toast.message(); !strings.Contains(msg, "Added Acme") {
		t.Fatalf("toast = %q", msg)
	}
	// The same again is refused, naming the existing entry.
	h.ui.showAdd()
	test.Tap(h.ui.add.paste)
	if !strings.Contains(h.ui.add.status.Text, "already in the vault") {
		t.Fatalf("duplicate: status %q", h.ui.add.status.Text)
	}
	// Text that is no credential says so.
	h.app.Clipboard().SetContent("https://example.com/not-a-secret")
	test.Tap(h.ui.add.paste)
	if !strings.Contains(h.ui.add.status.Text, "holds no credential: https://example.com") {
		t.Fatalf("non-credential: status %q", h.ui.add.status.Text)
	}
}

func TestAddManualValidation(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showAdd()
	s := h.ui.add
	test.Type(s.issuer, "Manual Inc")
	test.Type(s.account, "frank")
	test.Type(s.secret, "not base32!")
	if s.secret.Validate() == nil {
		t.Fatal("a secret with bad characters passes validation")
	}
	s.digits.SetText("12")
	if err := s.digits.Validate(); err == nil || !strings.Contains(err.Error(), "from 4 to 10") {
		t.Fatalf("digits 12: %v", err)
	}
	s.digits.SetText("6")
	s.secret.SetText("jbsw y3dp ehpk 3pxr")
	if err := s.secret.Validate(); err != nil {
		t.Fatalf("a spaced lower-case secret fails: %v", err)
	}
	s.onSubmit()
	if !slices.Contains(h.saved(), "Manual Inc: frank") {
		t.Fatalf("saved vault holds %v", h.saved())
	}
	// A token needs a name.
	h.ui.showAdd()
	s.kind.SetSelected(kindToken)
	if formHas(s.form, s.period) || !formHas(s.form, s.url) {
		t.Fatal("token form shows OTP fields")
	}
	if s.issuer.Validate() == nil {
		t.Fatal("a token without a name passes validation")
	}
	s.issuer.SetText("Deploy key")
	s.secret.SetText("ghp_0123456789abcdefghij")
	s.expires.SetText("2030-01-02")
	s.onSubmit()
	if !slices.Contains(h.saved(), "Deploy key") {
		t.Fatalf("saved vault holds %v, want the token", h.saved())
	}
}

func TestMigrationChecklist(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	var creds []otp.Credential
	for i, name := range []string{"One", "Two", "Three"} {
		creds = append(creds, otp.Credential{Issuer: name, Account: "me", Secret: []byte{byte(i + 1), 2, 3, 4, 5, 6, 7, 8, 9, 10}, Digits: 6, Period: 30})
	}
	uris, err := otp.FormatMigration(creds, 7)
	if err != nil {
		t.Fatal(err)
	}
	h.ui.showAdd()
	h.app.Clipboard().SetContent(uris[0])
	test.Tap(h.ui.add.paste)
	c := h.ui.checklist
	if c == nil || h.ui.current != c.content || len(c.checks) != 3 {
		t.Fatalf("no checklist of 3 accounts; status %q", h.ui.add.status.Text)
	}
	if c.addBtn.Text != "Add 3" {
		t.Fatalf("button reads %q", c.addBtn.Text)
	}
	test.Tap(c.checks[1]) // leave "Two" out
	if c.addBtn.Text != "Add 2" {
		t.Fatalf("after unchecking one the button reads %q", c.addBtn.Text)
	}
	test.Tap(c.all)
	if c.addBtn.Text != "Add 0" || !c.addBtn.Disabled() {
		t.Fatal("unchecking all leaves the button enabled")
	}
	test.Tap(c.all)
	test.Tap(c.checks[1])
	test.Tap(c.addBtn)
	got := h.saved()
	if !slices.Contains(got, "One: me") || slices.Contains(got, "Two: me") || !slices.Contains(got, "Three: me") {
		t.Fatalf("saved vault holds %v, want One and Three only", got)
	}
}

// A QR code image dropped on the window is read and added.
func TestDropImage(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	img := qrPNG(t, "otpauth://totp/Dropped:gina?secret=JBSWY3DPEHPK3PXS&issuer=Dropped")
	path := filepath.Join(t.TempDir(), "code.png")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	h.ui.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(path)})
	if !slices.Contains(h.saved(), "Dropped: gina") {
		t.Fatalf("saved vault holds %v; toast %q", h.saved(), h.ui.toast.message())
	}
}

// qrPNG draws a QR code of text as a PNG.
func qrPNG(t testing.TB, text string) []byte {
	t.Helper()
	m := encodeQR(t, text)
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// formHas reports whether the form shows the widget w.
func formHas(f *widget.Form, w fyne.CanvasObject) bool {
	for _, it := range f.Items {
		if it.Widget == w {
			return true
		}
	}
	return false
}

// TestPasteShortcut: Ctrl+V in the search field adds an otpauth link from
// the clipboard, but pastes other text into the search.
func TestPasteShortcut(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.app.Clipboard().SetContent("git")
	h.ui.list.search.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.app.Clipboard()})
	if h.ui.current != h.ui.list.content || h.ui.list.search.Text != "git" {
		t.Fatalf("plain text: search %q, list shown %v; want it pasted into the search", h.ui.list.search.Text, h.ui.current == h.ui.list.content)
	}
	h.ui.list.search.SetText("")
	h.app.Clipboard().SetContent("  OTPAUTH://totp/Pasted:gina?secret=JBSWY3DPEHPK3PXR&issuer=Pasted\n")
	h.ui.list.search.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.app.Clipboard()})
	if !slices.Contains(h.saved(), "Pasted: gina") {
		t.Fatalf("saved vault holds %v, want the pasted entry; add status %q", h.saved(), h.ui.add.status.Text)
	}
	if h.ui.list.search.Text != "" {
		t.Fatalf("the link went into the search too: %q", h.ui.list.search.Text)
	}
}

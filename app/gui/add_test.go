package gui

import (
	"bytes"
	"context"
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

	"github.com/tessera-auth/tessera/app/filechooser"
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

// formFields returns the field widgets the add form draws, in order, as
// they are laid out on screen (not as its Items say).
func formFields(s *addScreen) []fyne.CanvasObject {
	fields := map[fyne.CanvasObject]bool{s.kind: true, s.issuer: true, s.account: true, s.secret: true,
		s.algorithm: true, s.digits: true, s.period: true, s.counter: true, s.url: true, s.expires: true}
	var out []fyne.CanvasObject
	for _, o := range test.LaidOutObjects(s.formBox) {
		if fields[o] && o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

// Changing the kind shows exactly that kind's fields, with its own
// defaults and hints, and saves what was shown: a token's URL row showed
// the algorithm list, HOTP showed "Counter 30" and saved 0, Steam "Period
// 6" and saved 30.
func TestAddFormFollowsKind(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showAdd()
	s := h.ui.add
	want := map[string][]fyne.CanvasObject{
		kindTOTP:  {s.kind, s.issuer, s.account, s.secret, s.algorithm, s.digits, s.period},
		kindHOTP:  {s.kind, s.issuer, s.account, s.secret, s.algorithm, s.digits, s.counter},
		kindSteam: {s.kind, s.issuer, s.account, s.secret},
		kindToken: {s.kind, s.issuer, s.account, s.secret, s.url, s.expires},
	}
	for _, k := range []string{kindTOTP, kindToken, kindHOTP, kindSteam, kindTOTP, kindHOTP, kindToken} {
		s.kind.SetSelected(k)
		if got := formFields(s); !slices.Equal(got, want[k]) {
			t.Fatalf("%s: the form draws %d fields %v, want %d", k, len(got), got, len(want[k]))
		}
	}
	hint := func(w fyne.CanvasObject) string {
		for _, it := range s.form.Items {
			if it.Widget == w {
				return it.HintText
			}
		}
		return ""
	}
	if h := hint(s.secret); !strings.Contains(h, "token's value") {
		t.Fatalf("token: the secret's hint is %q", h)
	}

	// HOTP saves the counter typed.
	s.kind.SetSelected(kindHOTP)
	if s.counter.Text != "0" || s.digits.Text != "6" {
		t.Fatalf("HOTP defaults: counter %q digits %q", s.counter.Text, s.digits.Text)
	}
	s.issuer.SetText("Counted")
	s.account.SetText("x")
	s.secret.SetText("JBSWY3DPEHPK3PXZ")
	s.counter.SetText("30")
	s.onSubmit()
	// Steam saves 5 digits every 30 s, whatever TOTP fields held.
	h.ui.showAdd()
	s.digits.SetText("8")
	s.period.SetText("6")
	s.kind.SetSelected(kindSteam)
	if s.issuer.Text != steamIssuer {
		t.Fatalf("Steam starts with issuer %q", s.issuer.Text)
	}
	s.account.SetText("gamer")
	s.secret.SetText("JBSWY3DPEHPK3PXY")
	s.onSubmit()
	// A token saves its URL and expiry.
	h.ui.showAdd()
	s.kind.SetSelected(kindToken)
	s.issuer.SetText("Deploy")
	s.secret.SetText("tok_123456")
	s.url.SetText("https://ci.example.com/tokens")
	s.expires.SetText("2031-05-06")
	s.onSubmit()

	v := newVaultHandle(t, h.dir)
	found := 0
	for _, e := range v.Entries() {
		switch e.Issuer {
		case "Counted":
			found++
			if e.OTP.Kind != otp.HOTP || e.OTP.Counter != 30 {
				t.Errorf("HOTP saved as kind %v counter %d, want counter 30", e.OTP.Kind, e.OTP.Counter)
			}
		case steamIssuer:
			found++
			if e.OTP.Kind != otp.Steam || e.OTP.EffectivePeriod() != 30 || e.OTP.Digits != otp.SteamDigits {
				t.Errorf("Steam saved as kind %v period %d digits %d", e.OTP.Kind, e.OTP.EffectivePeriod(), e.OTP.Digits)
			}
		case "Deploy":
			found++
			if e.Token.URL != "https://ci.example.com/tokens" || e.Token.Expires.Format("2006-01-02") != "2031-05-06" {
				t.Errorf("token saved with URL %q expiry %v", e.Token.URL, e.Token.Expires)
			}
		}
	}
	if found != 3 {
		t.Fatalf("found %d of the 3 added entries; add status %q", found, s.status.Text)
	}
}

// "Open image…" uses the desktop's file chooser where a portal serves one
// and adds what the chosen image holds; without a portal it shows Fyne's
// dialog; a cancelled chooser changes nothing.
func TestOpenImageChooser(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	img := qrPNG(t, "otpauth://totp/Chosen:cat?secret=JBSWY3DPEHPK3PXC&issuer=Chosen")
	path := filepath.Join(t.TempDir(), "chosen.png")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		t.Fatal(err)
	}
	answer, answerErr := path, error(nil)
	var asked string
	old := chooseFile
	chooseFile = func(_ context.Context, _ func(string) string, title string, fs []filechooser.Filter) (string, error) {
		asked = title
		return answer, answerErr
	}
	t.Cleanup(func() { chooseFile = old })

	h.ui.showAdd()
	test.Tap(h.ui.add.open)
	if !slices.Contains(h.saved(), "Chosen: cat") || asked == "" {
		t.Fatalf("saved vault holds %v (asked %q); status %q", h.saved(), asked, h.ui.add.status.Text)
	}
	h.ui.showAdd()
	answer, answerErr = "", filechooser.ErrCancelled
	test.Tap(h.ui.add.open)
	if h.win.Canvas().Overlays().Top() != nil || h.ui.add.status.Text != addHint {
		t.Fatal("a cancelled chooser left a dialog or a message")
	}
	answerErr = filechooser.ErrNoPortal
	test.Tap(h.ui.add.open)
	if h.win.Canvas().Overlays().Top() == nil {
		t.Fatal("without a portal no file dialog opened")
	}
}

// Escape leaves the add screen for the list as it opens, with the keyboard
// on "Scan screen": the button kept Escape to itself.
func TestEscapeLeavesAddFromItsButtons(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showAdd()
	if h.focused() != h.ui.add.scan {
		t.Fatalf("the add screen opens with the keyboard on %T, want Scan screen", h.focused())
	}
	h.escape()
	if h.ui.current != h.ui.list.content {
		t.Fatal("Escape on the add screen's Scan screen did not go back to the list")
	}
}

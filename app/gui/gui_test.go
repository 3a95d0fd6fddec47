package gui

import (
	"image"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/app/clock/clocktest"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/vault"
)

// testPass is the passphrase of the test vaults.
const testPass = "correct horse battery staple"

// testWorkFactor keeps the test vaults' key derivation fast.
const testWorkFactor = 10

// t0 is 10 s into a 30 s step.
var t0 = time.Unix(1_699_999_990, 0)

// secrets of the test entries, in base32.
const (
	githubSecret = "JBSWY3DPEHPK3PXP"
	gitlabSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	slowSecret   = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
	hotpSecret   = "KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF"
)

func secret(t testing.TB, s string) []byte {
	t.Helper()
	b, err := otp.DecodeSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testEntries are the entries of the standard test vault.
func testEntries(t testing.TB) []vault.Entry {
	return []vault.Entry{
		{Issuer: "GitHub", Account: "alice@example.com", Position: 1,
			OTP: otp.Credential{Secret: secret(t, githubSecret), Digits: 6, Period: 30}},
		{Issuer: "GitLab", Account: "bob", Tags: []string{"work"}, Position: 2, Favourite: true,
			OTP: otp.Credential{Secret: secret(t, gitlabSecret), Digits: 8, Period: 30, Algorithm: otp.SHA256}},
		{Issuer: "Example Bank", Account: "carol", Position: 3,
			OTP: otp.Credential{Secret: secret(t, slowSecret), Digits: 6, Period: 60}},
		{Issuer: "Counter Co", Account: "dave", Position: 4,
			OTP: otp.Credential{Kind: otp.HOTP, Secret: secret(t, hotpSecret), Digits: 6, Counter: 5}},
		{Kind: vault.KindToken, Issuer: "CI token", Position: 5,
			Token: vault.Token{Value: []byte("tok_abcdefghijklmnopqrstuvwxyz012345"), Expires: t0.Add(3 * 24 * time.Hour)}},
	}
}

// makeVault creates a vault in dir holding entries.
func makeVault(t testing.TB, dir string, entries []vault.Entry) {
	t.Helper()
	v, _, err := vault.Create(dir, testPass, &vault.Options{WorkFactor: testWorkFactor})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, err := v.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Save(); err != nil {
		t.Fatal(err)
	}
	v.Lock()
}

// harness is a UI on the test driver with a fake clock.
type harness struct {
	t     *testing.T
	app   fyne.App
	win   fyne.Window
	ui    *UI
	clock *clocktest.Fake
	dir   string
}

// newHarness starts the UI on a vault in dir (made with the test entries if
// dir is empty).
func newHarness(t *testing.T, dir string) *harness {
	t.Helper()
	t.Setenv("LANG", "en_US.UTF-8")
	if dir == "" {
		dir = t.TempDir()
		makeVault(t, dir, testEntries(t))
	}
	t.Setenv("TMPDIR", t.TempDir()) // the test app's storage (icon packs) lives there
	a := test.NewTempApp(t)
	w := a.NewWindow("Tessera")
	t.Cleanup(w.Close)
	c := clocktest.New(t0)
	u := New(a, w, Config{
		VaultDir: dir,
		Vault:    &vault.Options{WorkFactor: testWorkFactor},
		Clock:    c,
		Go:       func(f func()) { f() },
	})
	w.Resize(fyne.NewSize(460, 640))
	return &harness{t: t, app: a, win: w, ui: u, clock: c, dir: dir}
}

// unlock types the passphrase and presses Enter.
func (h *harness) unlock() {
	h.t.Helper()
	test.Type(h.ui.unlock.pass, testPass)
	h.press(h.ui.unlock.pass, fyne.KeyReturn)
	if !h.ui.unlocked() {
		h.t.Fatalf("vault not unlocked; status %q", h.ui.unlock.status.Text)
	}
}

// press sends one key to a focusable widget.
func (h *harness) press(f fyne.Focusable, k fyne.KeyName) {
	f.TypedKey(&fyne.KeyEvent{Name: k})
}

// focused returns the widget with the keyboard focus.
func (h *harness) focused() fyne.Focusable { return h.win.Canvas().Focused() }

// clipboard returns the clipboard's text.
func (h *harness) clipboard() string { return h.app.Clipboard().Content() }

// shownIssuers returns the issuers of the entries the list shows, in order.
func (h *harness) shownIssuers() []string {
	var out []string
	for i := range h.ui.list.shown {
		if e := h.ui.list.entry(i); e != nil {
			out = append(out, e.Issuer)
		}
	}
	return out
}

// shownItems returns the list's items in order: a heading as "# name", an
// entry as its issuer.
func (h *harness) shownItems() []string {
	var out []string
	for i := range h.ui.list.shown {
		if name, ok := h.ui.list.heading(i); ok {
			out = append(out, "# "+name)
		} else {
			out = append(out, h.ui.list.entry(i).Issuer)
		}
	}
	return out
}

// rowOf returns the row on screen that shows the i-th shown entry.
func (h *harness) rowOf(i int) *row {
	h.t.Helper()
	for r, j := range h.ui.list.bound {
		if j == i {
			return r
		}
	}
	h.t.Fatalf("no row on screen for shown entry %d", i)
	return nil
}

// oathtool returns the reference code of a TOTP secret at t.
func oathtool(t testing.TB, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("oathtool")
	if err != nil {
		t.Fatal("oathtool not found: install it with apt-get install oathtool")
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(cmd.Environ(), "LANG=en_US.UTF-8")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oathtool %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// totpAt returns oathtool's TOTP code of secret at instant at; algorithm
// and digits are oathtool options such as "--totp=SHA256", "--digits=8".
func totpAt(t testing.TB, secret string, at time.Time, opts ...string) string {
	args := []string{"--totp", "--base32", "--now=@" + strconv.FormatInt(at.Unix(), 10)}
	for _, o := range opts {
		if strings.HasPrefix(o, "--totp=") {
			args[0] = o
		} else {
			args = append(args, o)
		}
	}
	return oathtool(t, append(args, secret)...)
}

// newVaultHandle opens and unlocks a second handle on the vault in dir, as
// another process would.
func newVaultHandle(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(dir, &vault.Options{WorkFactor: testWorkFactor})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Lock)
	return v
}

// encodeQR draws text as a QR code with the project's encoder.
func encodeQR(t testing.TB, text string) image.Image {
	t.Helper()
	m, err := qr.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

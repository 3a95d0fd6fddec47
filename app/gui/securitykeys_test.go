package gui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
	"github.com/tessera-auth/tessera/vault/vaulttest"
)

// fakeBrowser stands for the browser of h's window: it keeps the page
// URL a ceremony opens, for the test to answer with a software key (over
// real loopback HTTP) as a person would, and the window's wait for the
// ceremony's end, which the test runs once it has ended it.
type fakeBrowser struct {
	h       *harness
	url     string
	err     error // what opening the browser returns
	pending []func()
}

func (h *harness) browser() *fakeBrowser {
	b := &fakeBrowser{h: h}
	h.ui.cfg.OpenURL = func(url string) error {
		b.url = url
		return b.err
	}
	h.ui.cfg.Await = func(done <-chan struct{}, f func()) {
		b.pending = append(b.pending, func() {
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				h.t.Fatal("the security-key ceremony did not end")
			}
			f()
		})
	}
	return b
}

// answer answers the page opened last with k and lets the window handle
// the outcome.
func (b *fakeBrowser) answer(k *webauthntest.SoftKey) {
	b.h.t.Helper()
	if b.url == "" {
		b.h.t.Fatal("no security-key page was opened")
	}
	if err := k.Answer(b.h.t, b.url); err != nil {
		b.h.t.Logf("the page got: %v", err)
	}
	b.ended()
}

// ended lets the window handle the end of the ceremony started last,
// waiting for it to end.
func (b *fakeBrowser) ended() {
	b.h.t.Helper()
	if len(b.pending) == 0 {
		b.h.t.Fatal("no security-key ceremony is waited for")
	}
	f := b.pending[0]
	b.pending = b.pending[1:]
	b.url = ""
	f()
}

// dialogObjects returns the visible objects of the top dialog.
func (h *harness) dialogObjects() []fyne.CanvasObject {
	h.t.Helper()
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatal("no dialog open")
	}
	var out []fyne.CanvasObject
	for _, o := range test.LaidOutObjects(top) {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

// dialogEntry returns the n-th text field of the top dialog.
func (h *harness) dialogEntry(n int) fyne.Focusable {
	h.t.Helper()
	for _, o := range h.dialogObjects() {
		switch e := o.(type) {
		case *widget.Entry, *keyEntry:
			if n == 0 {
				return e.(fyne.Focusable)
			}
			n--
		}
	}
	h.t.Fatal("no such field in the dialog")
	return nil
}

// dialogCheck returns the check box labelled text in the top dialog.
func (h *harness) dialogCheck(text string) *widget.Check {
	h.t.Helper()
	for _, o := range h.dialogObjects() {
		if c, ok := o.(*widget.Check); ok && c.Text == text {
			return c
		}
	}
	h.t.Fatalf("no check box %q in the dialog", text)
	return nil
}

// dialogText returns the texts of the labels and buttons of the top
// dialog, one a line.
func (h *harness) dialogText() string {
	top := h.win.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var b strings.Builder
	for _, o := range test.LaidOutObjects(top) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *widget.Button:
			b.WriteString(w.Text + "\n")
		case *canvas.Text:
			b.WriteString(w.Text + "\n")
		}
	}
	return b.String()
}

// enrolKey adds a key named name in Settings › Security keys with k as
// the browser's key.
func (h *harness) enrolKey(b *fakeBrowser, k *webauthntest.SoftKey, name string, pass string) {
	h.t.Helper()
	test.Tap(h.ui.keys.addButton())
	test.Type(h.dialogEntry(0), name)
	if pass != "" {
		h.dialogCheck("Also ask for a passphrase of its own").SetChecked(true)
	}
	test.Tap(h.button("Continue"))
	if pass != "" {
		test.Type(h.dialogEntry(0), pass)
		test.Type(h.dialogEntry(1), pass)
		test.Tap(h.button("Continue"))
	}
	b.answer(k)
	if st := h.ui.keys.status.Text; !strings.Contains(st, "Security key enrolled") {
		h.t.Fatalf("enrolling %q: %q", name, st)
	}
}

// addButton returns the screen's "Add security key…" button.
func (s *keysScreen) addButton() *escapeButton {
	for _, o := range test.LaidOutObjects(s.content) {
		if b, ok := o.(*escapeButton); ok && strings.HasPrefix(b.Text, "Add security key") {
			return b
		}
	}
	return nil
}

// The screen opens with the keyboard on "Add security key…" (Space adds
// one), and Escape from there goes back to the settings, as Escape leaves
// the other screens.
func TestSecurityKeysEscape(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showSettings()
	h.ui.showKeys()
	if f := h.focused(); f != fyne.Focusable(h.ui.keys.addButton()) {
		t.Fatalf("the keyboard is on %T, not the add button", f)
	}
	h.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if h.ui.current != h.ui.settings.content {
		t.Fatal("Escape on the security keys screen did not go back to the settings")
	}
}

// rowTexts returns the names and details the key list shows.
func (s *keysScreen) rowTexts() string {
	var b strings.Builder
	for _, o := range test.LaidOutObjects(s.rows) {
		if l, ok := o.(*widget.Label); ok {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

// Settings › Security keys enrols a key through the browser page (a
// software key answering over loopback HTTP); the lock screen then offers
// it, and the key alone unlocks, recording its use.
func TestSecurityKeyEnrolAndUnlock(t *testing.T) {
	h := newHarness(t, "")
	b := h.browser()
	h.unlock()
	if !h.ui.unlock.key.Hidden {
		t.Fatal("the lock screen offers a security key before one is enrolled")
	}
	h.ui.showKeys()
	if rows := h.ui.keys.rowTexts(); !strings.Contains(rows, "No security key") {
		t.Fatalf("the list of a vault without keys: %q", rows)
	}
	if !h.ui.keys.require.Disabled() {
		t.Error("Require a security key can be turned on without a key")
	}
	test.Tap(h.ui.keys.addButton())
	h.press(h.dialogEntry(0), fyne.KeyEscape)
	if len(h.ui.dialogs) != 0 {
		t.Fatal("Escape in the key's name did not close the dialog")
	}
	k := webauthntest.NewSoftKey(t)
	h.enrolKey(b, k, "blue key", "")
	if st := h.ui.keys.status.Text; !strings.Contains(st, "second key") {
		t.Errorf("the first key's enrolment does not advise a spare: %q", st)
	}
	rows := h.ui.keys.rowTexts()
	if !strings.Contains(rows, "blue key") || !strings.Contains(rows, "Security key ·") || !strings.Contains(rows, "last used never") {
		t.Fatalf("the list after enrolling: %q", rows)
	}

	h.ui.lock()
	s := h.ui.unlock
	if s.key.Hidden || s.pass.Hidden || h.focused() != s.pass {
		t.Fatal("with a key enrolled (not required) the lock screen should offer both, the passphrase field first")
	}
	test.Tap(s.key)
	b.answer(k)
	if !h.ui.unlocked() {
		t.Fatalf("the key did not unlock: %q", s.status.Text)
	}
	if h.ui.vault.UnlockedWith() != vault.SlotSecurityKey {
		t.Errorf("unlocked with %q", h.ui.vault.UnlockedWith())
	}
	keys := newVaultHandle(t, h.dir).SecurityKeys()
	if len(keys) != 1 || keys[0].SignCount != k.Count {
		t.Fatalf("sign count after the unlock: %+v, want the key's %d", keys, k.Count)
	}
	h.ui.showKeys()
	if rows := h.ui.keys.rowTexts(); strings.Contains(rows, "last used never") {
		t.Errorf("the key's use is not shown: %q", rows)
	}

	// Another key (not enrolled) is refused, in words, and the screen is
	// usable again.
	h.ui.lock()
	test.Tap(s.key)
	b.answer(webauthntest.NewSoftKey(t))
	if h.ui.unlocked() || !strings.Contains(s.status.Text, "not enrolled") || s.key.Disabled() || s.pass.Disabled() {
		t.Fatalf("a key not enrolled: unlocked %v, status %q", h.ui.unlocked(), s.status.Text)
	}
}

// Cancel in the waiting dialog, a page that reports a failure, and Escape
// each end the ceremony at once and return to the lock screen as it was,
// saying why.
func TestSecurityKeyCancelAndPageFailure(t *testing.T) {
	h := newHarness(t, "")
	b := h.browser()
	h.unlock()
	h.ui.showKeys()
	h.enrolKey(b, webauthntest.NewSoftKey(t), "k", "")
	h.ui.lock()
	s := h.ui.unlock

	test.Tap(s.key)
	text := h.dialogText()
	if !strings.Contains(text, "Touch your security key in the browser page that opened") || !strings.Contains(text, "http://localhost:") {
		t.Fatalf("the waiting dialog does not say what to do and show the link:\n%s", text)
	}
	if !s.key.Disabled() {
		t.Error("the key button stays usable while a ceremony runs")
	}
	test.Tap(h.button("Copy link"))
	if got := h.clipboard(); got != b.url {
		t.Errorf("Copy link put %q on the clipboard", got)
	}
	test.Tap(h.button("Cancel"))
	b.ended()
	if h.ui.unlocked() || !strings.Contains(s.status.Text, "Cancelled") || s.key.Disabled() || len(h.ui.dialogs) != 0 {
		t.Fatalf("after Cancel: status %q, key disabled %v, %d dialogs", s.status.Text, s.key.Disabled(), len(h.ui.dialogs))
	}

	test.Tap(s.key)
	if err := webauthntest.Fail(b.url, "NotAllowedError", "The operation either timed out or was not allowed."); err != nil {
		t.Fatal(err)
	}
	b.ended()
	if h.ui.unlocked() || !strings.Contains(s.status.Text, "cancelled or timed out") {
		t.Fatalf("a failure the page reported: status %q", s.status.Text)
	}

	// A page never opened: after 2 minutes the ceremony ends, and says so.
	test.Tap(s.key)
	h.clock.Advance(webauthn.Lifetime)
	b.ended()
	if h.ui.unlocked() || !strings.Contains(s.status.Text, "not finished within 2 minutes") || s.key.Disabled() {
		t.Fatalf("after 2 minutes: status %q", s.status.Text)
	}

	b.err = errors.New("no browser here")
	test.Tap(s.key)
	if text := h.dialogText(); !strings.Contains(text, "No browser opened (no browser here)") {
		t.Errorf("a browser that did not open is not said:\n%s", text)
	}
	h.escape()
	b.ended()
	if !strings.Contains(s.status.Text, "Cancelled") {
		t.Fatalf("after Escape: status %q", s.status.Text)
	}
}

// A key enrolled with a passphrase of its own asks for it after the key:
// the right one unlocks, a wrong one is refused.
func TestSecurityKeyWithPassphrase(t *testing.T) {
	h := newHarness(t, "")
	b := h.browser()
	h.unlock()
	h.ui.showKeys()
	k := webauthntest.NewSoftKey(t)
	h.enrolKey(b, k, "key and pass", "key's own words")
	if rows := h.ui.keys.rowTexts(); !strings.Contains(rows, "Security key + passphrase") {
		t.Fatalf("the list: %q", rows)
	}
	h.ui.lock()
	s := h.ui.unlock
	test.Tap(s.key)
	b.answer(k)
	if !strings.Contains(h.dialogText(), "Passphrase of this key") {
		t.Fatal("the key's passphrase is not asked for")
	}
	test.Type(h.dialogEntry(0), "wrong words")
	test.Tap(h.button("Unlock"))
	if h.ui.unlocked() || !strings.Contains(s.status.Text, "does not open this vault") {
		t.Fatalf("a wrong passphrase of the key: status %q", s.status.Text)
	}
	test.Tap(s.key)
	b.answer(k)
	test.Type(h.dialogEntry(0), "key's own words")
	test.Tap(h.button("Unlock"))
	if !h.ui.unlocked() || h.ui.vault.UnlockedWith() != vault.SlotPassphraseKey {
		t.Fatalf("the key and its passphrase did not unlock: %q", s.status.Text)
	}
}

// Requiring a key says that the passphrase slot goes, then the lock
// screen offers the key first (and the recovery code); turning it off
// again, unlocked with the recovery code, asks for the key.
func TestSecurityKeyRequire(t *testing.T) {
	dir := t.TempDir()
	v, code, err := vault.Create(dir, testPass, &vault.Options{WorkFactor: testWorkFactor})
	if err != nil {
		t.Fatal(err)
	}
	v.Lock()
	h := newHarness(t, dir)
	b := h.browser()
	h.unlock()
	h.ui.showKeys()
	k := webauthntest.NewSoftKey(t)
	h.enrolKey(b, k, "k", "")
	ks := h.ui.keys
	ks.require.SetChecked(true)
	if !strings.Contains(h.dialogText(), "passphrase alone will no longer open the vault") {
		t.Fatalf("turning the requirement on does not say what it removes:\n%s", h.dialogText())
	}
	test.Tap(h.button("Cancel"))
	if ks.require.Checked || h.ui.vault.RequireKey() {
		t.Fatal("Cancel left the requirement on")
	}
	ks.require.SetChecked(true)
	test.Tap(h.button("Require a key"))
	if !h.ui.vault.RequireKey() || !ks.require.Checked {
		t.Fatalf("the requirement is not on: %q", ks.status.Text)
	}
	for _, sl := range h.ui.vault.Slots() {
		if sl.Kind == vault.SlotPassphrase {
			t.Fatal("a passphrase slot is left")
		}
	}

	h.ui.lock()
	s := h.ui.unlock
	if !s.pass.Hidden || s.key.Hidden || s.key.Importance != widget.HighImportance || h.focused() != s.key {
		t.Fatal("with a key required, the key button should be the default and the passphrase field gone")
	}
	h.ui.primaryKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter on the screen: the key
	b.answer(k)
	if !h.ui.unlocked() || h.ui.vault.UnlockedWith() != vault.SlotSecurityKey {
		t.Fatalf("Enter with the key required did not unlock with the key: %q", s.status.Text)
	}
	h.ui.lock()
	test.Tap(s.recovery)
	if s.pass.Hidden || !strings.Contains(s.recovery.Text, "security key instead") {
		t.Fatal("the recovery code is not available with a key required")
	}
	test.Type(s.pass, code)
	test.Tap(s.button)
	if !h.ui.unlocked() {
		t.Fatalf("the recovery code did not open: %q", s.status.Text)
	}

	h.ui.showKeys()
	ks = h.ui.keys
	ks.require.SetChecked(false)
	b.answer(k) // the key proves itself
	if h.ui.vault.RequireKey() || ks.require.Checked {
		t.Fatalf("the requirement is still on: %q", ks.status.Text)
	}
}

// Removing a key offers rotating the master key, on by default; with it,
// the vault gets a new master key, keeps its passphrase (typed) and the
// other key, and the removed key no longer opens anything.
func TestSecurityKeyRemoveAndRotate(t *testing.T) {
	h := newHarness(t, "")
	b := h.browser()
	h.unlock()
	h.ui.showKeys()
	k1, k2 := webauthntest.NewSoftKey(t), webauthntest.NewSoftKey(t)
	h.enrolKey(b, k1, "first", "")
	h.enrolKey(b, k2, "second", "")
	var first vault.Slot
	for _, sl := range h.ui.vault.Slots() {
		if sl.Label == "first" {
			first = sl
		}
	}
	before := h.ui.vault.Slots()
	ks := h.ui.keys
	ks.onRemove(first)
	if !h.dialogCheck("Then rotate the master key (recommended)").Checked {
		t.Fatal("rotating is not the default when removing a key")
	}
	test.Tap(h.button("Remove"))
	text := h.dialogText()
	if !strings.Contains(text, "cannot make copies of the vault folder made before") {
		t.Fatalf("the rotation does not say what it cannot protect:\n%s", text)
	}
	test.Type(h.dialogEntry(0), testPass)
	test.Tap(h.button("Rotate"))
	if st := ks.status.Text; !strings.Contains(st, "new master key") {
		t.Fatalf("after removing with rotation: %q", st)
	}
	if rows := ks.rowTexts(); strings.Contains(rows, "first") || !strings.Contains(rows, "second") {
		t.Fatalf("the list after removing: %q", rows)
	}
	for _, sl := range h.ui.vault.Slots() {
		for _, o := range before {
			if sl.File == o.File {
				t.Errorf("slot file %s survived the rotation", sl.File)
			}
		}
	}
	h.ui.lock()
	test.Tap(h.ui.unlock.key)
	b.answer(k1)
	if h.ui.unlocked() {
		t.Fatal("the removed key still unlocks")
	}
	test.Type(h.ui.unlock.pass, testPass)
	test.Tap(h.ui.unlock.button)
	if !h.ui.unlocked() || len(h.ui.vault.Entries()) != len(testEntries(t)) {
		t.Fatalf("the passphrase after the rotation: %q", h.ui.unlock.status.Text)
	}
	h.ui.lock()
	test.Tap(h.ui.unlock.key)
	b.answer(k2)
	if !h.ui.unlocked() {
		t.Fatalf("the remaining key after the rotation: %q", h.ui.unlock.status.Text)
	}
}

// Another program rekeys the vault while the window has it unlocked: the
// next save says so and locks; the new keys open it.
func TestRekeyedElsewhereLocks(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	other := newVaultHandle(t, h.dir)
	if err := other.UnlockPassphrase(testPass); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
		t.Fatal(err)
	}
	other.Lock()
	h.ui.deleteEntry(h.ui.list.entry(0).ID)
	if h.ui.unlocked() {
		t.Fatal("the window stays unlocked after a save refused for a rekey")
	}
	if text := h.dialogText(); !strings.Contains(text, "new master key") {
		t.Fatalf("the rekey is not said:\n%s", text)
	}
	if len(h.ui.dialogs) != 1 {
		t.Errorf("%d dialogs, want the one that says what happened", len(h.ui.dialogs))
	}
	test.Tap(h.button("OK"))
	h.unlock()
	if len(h.ui.vault.Entries()) != len(testEntries(t)) {
		t.Fatal("the entries are not all there after unlocking with the new keys")
	}
}

// uiQueue stands for the UI goroutine while the window's goroutines (an
// age plugin's) run for real: they hand their UI work to the test, which
// runs it ([uiQueue.until]).
type uiQueue struct {
	h    *harness
	work chan func()
}

func (h *harness) realGoroutines() *uiQueue {
	q := &uiQueue{h: h, work: make(chan func())}
	h.ui.cfg.Go = func(f func()) { go f() }
	h.ui.cfg.Do = func(f func()) { q.work <- f }
	return q
}

// until runs the UI work handed over until cond holds.
func (q *uiQueue) until(what string, cond func() bool) {
	q.h.t.Helper()
	timeout := time.After(30 * time.Second)
	for !cond() {
		select {
		case f := <-q.work:
			f()
		case <-timeout:
			q.h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// An age plugin key (the fake plugin, this test binary): added in Settings
// from its pasted recipient, it unlocks the window through the plugin,
// whose PIN prompt is a dialog and whose message a toast; a wrong PIN is
// said and the window stays locked.
func TestSecurityKeyAgePlugin(t *testing.T) {
	vaulttest.PluginOnPath(t)
	h := newHarness(t, "")
	h.unlock()
	h.ui.showKeys()
	ks := h.ui.keys
	ks.onAddPlugin()
	test.Type(h.dialogEntry(0), vaulttest.PluginRecipient("key one"))
	test.Type(h.dialogEntry(1), vaulttest.PluginIdentity("key one"))
	test.Type(h.dialogEntry(2), "plugin key")
	test.Tap(h.button("Add"))
	if !strings.Contains(ks.status.Text, "age plugin key added") {
		t.Fatalf("adding the plugin key: %q", ks.status.Text)
	}
	if rows := ks.rowTexts(); !strings.Contains(rows, "plugin key") || !strings.Contains(rows, "age plugin ·") {
		t.Fatalf("the list: %q", rows)
	}

	h.ui.lock()
	s := h.ui.unlock
	q := h.realGoroutines()
	idle := func() bool { return !s.busy }
	prompt := func() bool {
		if !s.busy {
			t.Fatalf("the plugin asked for no PIN: %q", s.status.Text)
		}
		return strings.Contains(h.dialogText(), vaulttest.PluginPrompt)
	}

	test.Tap(s.key)
	q.until("the plugin's PIN prompt", prompt)
	test.Type(h.dialogEntry(0), "0000")
	test.Tap(h.button("OK"))
	q.until("the wrong PIN's outcome", idle)
	if h.ui.unlocked() || !strings.Contains(s.status.Text, "wrong PIN") {
		t.Fatalf("a wrong PIN: unlocked %v, status %q", h.ui.unlocked(), s.status.Text)
	}

	test.Tap(s.key)
	q.until("the plugin's PIN prompt", prompt)
	test.Type(h.dialogEntry(0), vaulttest.PluginPIN)
	test.Tap(h.button("OK"))
	q.until("the plugin to unlock", idle)
	if !h.ui.unlocked() || h.ui.vault.UnlockedWith() != vault.SlotPlugin {
		t.Fatalf("the right PIN: unlocked %v, status %q", h.ui.unlocked(), s.status.Text)
	}
	if msg := h.ui.toast.message(); !strings.Contains(msg, "age-plugin-"+vaulttest.PluginName+": touch your key") {
		t.Errorf("the plugin's message is not shown: the toast says %q", msg)
	}
}

// Rotate master key on its own: the vault gets a new master key (the old
// slot files go), the passphrase typed keeps its slot, and automatic
// backups get a new verify key, as with tessera rekey.
func TestSecurityKeyRotate(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if err := backup.SaveSettings(h.ui.vault, backup.Settings{Recipients: []string{id.Recipient().String()}}); err != nil {
		t.Fatal(err)
	}
	before, _ := backup.LoadSettings(h.ui.vault)
	slots := h.ui.vault.Slots()
	h.ui.showKeys()
	ks := h.ui.keys
	ks.onRotate("")
	test.Type(h.dialogEntry(0), testPass)
	test.Tap(h.button("Rotate"))
	if st := ks.status.Text; !strings.Contains(st, "new master key") || !strings.Contains(st, "new verify key") {
		t.Fatalf("after the rotation: %q", st)
	}
	after, _ := backup.LoadSettings(h.ui.vault)
	if after.VerifyKey == "" || after.VerifyKey == before.VerifyKey {
		t.Error("the automatic backups' verify key did not change")
	}
	for _, sl := range h.ui.vault.Slots() {
		for _, o := range slots {
			if sl.File == o.File {
				t.Errorf("slot file %s survived the rotation", sl.File)
			}
		}
	}
	h.ui.lock()
	h.unlock() // the passphrase still opens
}

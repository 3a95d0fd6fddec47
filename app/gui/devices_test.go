package gui

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// overlayEntries returns the entries of the top overlay, in order.
func (h *harness) overlayEntries() []*keyEntry {
	var out []*keyEntry
	find(h.topOverlay(), func(o fyne.CanvasObject) bool {
		if e, ok := o.(*keyEntry); ok {
			out = append(out, e)
		}
		return false
	})
	return out
}

// syncedPair unlocks the harness's vault, syncs it as laptop through a new
// sync folder (the setting), and joins another device, desktop.
func syncedPair(t *testing.T) (*harness, string, *vault.Vault) { return syncedPairAfter(t, nil) }

// syncedPairAfter is syncedPair with before run on the unlocked window
// first, before any device syncs.
func syncedPairAfter(t *testing.T, before func(h *harness)) (*harness, string, *vault.Vault) {
	h := newHarness(t, "")
	h.unlock()
	if before != nil {
		before(h)
	}
	sf := t.TempDir()
	h.app.Preferences().SetString(prefSyncFolder, sf)
	if _, err := folder.Sync(h.ui.vault, sf, &folder.Options{Name: "laptop"}); err != nil {
		t.Fatal(err)
	}
	pass, _ := age.NewScryptIdentity(testPass)
	other, err := folder.Join(sf, t.TempDir()+"/other", pass, &vault.Options{WorkFactor: testWorkFactor})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Sync(other, sf, &folder.Options{Name: "desktop"}); err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Sync(h.ui.vault, sf, nil); err != nil {
		t.Fatal(err)
	}
	return h, sf, other
}

// Settings › Devices… lists the devices, this one marked, with when each
// last synced in words and what is wrong with a device's file; this device
// is renamed from there.
func TestDevicesDialog(t *testing.T) {
	h, sf, other := syncedPair(t)
	_, list, _, _ := folder.Devices(other, sf)
	var desktop string
	for _, d := range list {
		if d.Name == "desktop" {
			desktop = d.ID
		}
	}
	os.WriteFile(filepath.Join(sf, "tessera-device-"+desktop+".sync-conflict-20261203-101010-ABCDEFG.age"), []byte("age-encryption.org/v1\n"), 0o600)

	h.ui.showSettings()
	devices := findAll(h.ui.settings.content, "Devices…")
	if len(devices) != 1 {
		t.Fatalf("%d Devices… buttons in Settings", len(devices))
	}
	test.Tap(devices[0])
	top := h.topOverlay()
	labels := labelTexts(top, "")
	for _, want := range []string{"laptop (this device)", "desktop"} {
		if !slices.Contains(labels, want) {
			t.Errorf("devices dialog lacks %q: %q", want, labels)
		}
	}
	all := strings.Join(labels, "\n")
	for _, want := range []string{"Last synced just now", "Last seen just now", "Its file tessera-device-" + desktop + ".sync-conflict-", "a Syncthing conflict copy"} {
		if !strings.Contains(all, want) {
			t.Errorf("devices dialog does not say %q:\n%s", want, all)
		}
	}
	if n := len(findAll(top, "Revoke…")); n != 1 {
		t.Errorf("%d Revoke buttons, want one (not for this device)", n)
	}

	test.Tap(h.button("Rename…"))
	name := h.overlayEntries()[0]
	if name.Text != "laptop" {
		t.Errorf("rename starts from %q", name.Text)
	}
	name.SetText(strings.Repeat("x", folder.MaxName+1))
	if name.Validate() == nil {
		t.Error("a name longer than a device file holds is accepted")
	}
	name.SetText("work laptop")
	h.press(name, fyne.KeyReturn)
	if !slices.Contains(labelTexts(h.topOverlay(), ""), "work laptop (this device)") {
		t.Errorf("after the rename: %q", labelTexts(h.topOverlay(), ""))
	}
	rep, err := folder.Sync(other, sf, nil)
	if err != nil || !slices.ContainsFunc(rep.Devices, func(d folder.Device) bool { return d.Name == "work laptop" }) {
		t.Errorf("the other device does not see the new name: %v, %v", rep, err)
	}
}

func findAll(o fyne.CanvasObject, text string) []*widget.Button {
	var out []*widget.Button
	find(o, func(c fyne.CanvasObject) bool {
		if b, ok := c.(*widget.Button); ok && b.Text == text {
			out = append(out, b)
		}
		return false
	})
	return out
}

// Revoke in the window: confirm with the passphrase (a wrong one revokes
// nothing); the device is then listed as revoked, and the other device's
// sync stops at the new key.
func TestDevicesRevoke(t *testing.T) {
	h, sf, other := syncedPair(t)
	before := h.ui.vault.KeyFingerprint()
	h.ui.showDevices()
	test.Tap(h.button("Revoke…"))
	intro := strings.Join(labelTexts(h.topOverlay(), "Revoking desktop"), "")
	if !strings.Contains(intro, "cannot take back what desktop has already read") {
		t.Errorf("the confirmation does not say what revoking cannot do: %q", intro)
	}
	h.overlayEntries()[0].SetText("not the passphrase")
	test.Tap(h.button("Revoke"))
	if msg := strings.Join(labelTexts(h.topOverlay(), ""), " "); !strings.Contains(msg, "not the vault's passphrase: nothing was revoked") {
		t.Fatalf("a wrong passphrase: %q", msg)
	}
	if h.ui.vault.KeyFingerprint() != before {
		t.Fatal("a wrong passphrase changed the master key")
	}
	h.escape()

	test.Tap(h.button("Revoke…"))
	h.overlayEntries()[0].SetText(testPass)
	test.Tap(h.button("Revoke"))
	if h.ui.vault.KeyFingerprint() == before {
		t.Fatal("the master key did not change")
	}
	if !strings.Contains(h.ui.toast.message(), "Revoked desktop") {
		t.Errorf("toast %q", h.ui.toast.message())
	}
	labels := labelTexts(h.ui.sync.devices.box, "")
	if !slices.Contains(labels, "desktop (revoked)") || len(findAll(h.ui.sync.devices.box, "Revoke…")) != 0 {
		t.Errorf("after the revoke: %q", labels)
	}
	var kc *folder.KeyChangedError
	if _, err := folder.Sync(other, sf, nil); !errors.As(err, &kc) {
		t.Errorf("the revoked device's sync: %v, want the new key found", err)
	}
}

// Another device changed the key: the window asks once for the passphrase
// (a wrong one asks again), takes the new key in place and syncs again; the
// devices dialog offers it while it is not taken.
func TestDevicesAdoptNewKey(t *testing.T) {
	h, sf, other := syncedPair(t)
	if _, err := other.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
		t.Fatal(err)
	}
	e, err := other.Add(vault.Entry{Kind: vault.KindOTP, Issuer: "After the rekey", Account: "a", OTP: testEntries(t)[0].OTP})
	if err != nil {
		t.Fatal(err)
	}
	other.Save()
	if _, err := folder.Sync(other, sf, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := folder.Sync(h.ui.vault, sf, nil)
	h.ui.onSynced(rep, err)
	top := h.topOverlay()
	if top == nil || !strings.Contains(strings.Join(labelTexts(top, ""), " "), "new master key on desktop") {
		t.Fatalf("no dialog asking for the new key: %v", err)
	}
	h.escape() // Not now: not asked again by the next sync, offered in Devices
	rep, err = folder.Sync(h.ui.vault, sf, nil)
	h.ui.onSynced(rep, err)
	if h.topOverlay() != nil {
		t.Fatal("asked a second time")
	}
	h.ui.showDevices()
	test.Tap(h.button("Take the new key…"))
	h.overlayEntries()[0].SetText("not the passphrase")
	test.Tap(h.button("Take the new key"))
	if msg := strings.Join(labelTexts(h.topOverlay(), ""), " "); !strings.Contains(msg, "opens none of the new keys") {
		t.Fatalf("a wrong passphrase: %q", msg)
	}
	h.escape() // the error; the question comes again
	h.overlayEntries()[0].SetText(testPass)
	test.Tap(h.button("Take the new key"))
	if got, want := h.ui.vault.KeyFingerprint(), other.KeyFingerprint(); got != want {
		t.Fatalf("key %s, want %s", got, want)
	}
	if h.ui.sync.newKeys != nil || find(h.ui.sync.devices.box, func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == "Take the new key…"
	}) != nil {
		t.Error("the new key is still offered")
	}
	rep, err = folder.Sync(h.ui.vault, sf, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.ui.onSynced(rep, err)
	if _, ok := h.ui.vault.Entry(e.ID); !ok {
		t.Error("the entry added after the rekey did not arrive")
	}
}

func TestRelativeTime(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		-time.Minute: "just now", 10 * time.Second: "just now", time.Minute: "1 minute ago", 3 * time.Minute: "3 minutes ago",
		time.Hour: "1 hour ago", 5 * time.Hour: "5 hours ago", 30 * time.Hour: "yesterday", 3 * 24 * time.Hour: "3 days ago",
	} {
		if got := relativeTime(now.Add(-d), now); got != want {
			t.Errorf("%v ago: %q, want %q", d, got, want)
		}
	}
	if got := relativeTime(now.AddDate(0, -3, 0), now); !strings.HasPrefix(got, "on 3 September 2026") {
		t.Errorf("three months ago: %q", got)
	}
	if got := relativeTime(time.Time{}, now); got != "never" {
		t.Errorf("zero: %q", got)
	}
}

// A device whose folder got a new master key takes it with a security
// key enrolled before the rekey, the key alone; a cancelled ceremony asks
// again rather than giving up.
func TestDevicesAdoptWithSecurityKey(t *testing.T) {
	var b *fakeBrowser
	k := webauthntest.NewSoftKey(t)
	h, sf, other := syncedPairAfter(t, func(h *harness) {
		b = h.browser()
		h.ui.showKeys()
		h.enrolKey(b, k, "blue key", "")
	})
	if _, err := other.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}}); err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Sync(other, sf, nil); err != nil {
		t.Fatal(err)
	}
	h.ui.showList()
	rep, err := folder.Sync(h.ui.vault, sf, nil)
	h.ui.onSynced(rep, err)
	if h.topOverlay() == nil {
		t.Fatalf("no dialog asking for the new key: %v", err)
	}
	test.Tap(h.button("Use a security key instead"))
	test.Tap(h.button("Cancel"))
	b.ended()
	if msg := strings.Join(labelTexts(h.topOverlay(), ""), " "); !strings.Contains(msg, "security key enrolled there") {
		t.Fatalf("after a cancelled ceremony: %q, want the question again", msg)
	}
	test.Tap(h.button("Use a security key instead"))
	b.answer(k)
	if got, want := h.ui.vault.KeyFingerprint(), other.KeyFingerprint(); got != want {
		t.Fatalf("key %s, want %s", got, want)
	}
	if _, err := folder.Sync(h.ui.vault, sf, nil); err != nil {
		t.Errorf("sync after taking the new key: %v", err)
	}
}

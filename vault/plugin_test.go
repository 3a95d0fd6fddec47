package vault_test

import (
	"errors"
	"strings"
	"testing"

	"filippo.io/age/plugin"

	"github.com/tessera-auth/tessera/vault"
	"github.com/tessera-auth/tessera/vault/vaulttest"
)

// TestPluginSlot: a slot sealed to an age plugin recipient opens through
// the plugin (this test binary on PATH) with its PIN prompt and message
// shown; a wrong PIN, a plugin that crashes and a plugin that is not
// installed each fail with what happened, the vault staying locked and
// not called damaged; and a rekey seals the slot again through the plugin.
func TestPluginSlot(t *testing.T) {
	vaulttest.PluginOnPath(t)
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("GitHub", "alice", 1))
	mustSave(t, v)
	good := &vaulttest.PluginUI{PIN: vaulttest.PluginPIN}
	s, err := v.AddPluginKey(plugin.EncodeRecipient(vaulttest.PluginName, []byte("key one")), plugin.EncodeIdentity(vaulttest.PluginName, []byte("key one")), "test key", good.UI())
	if err != nil {
		t.Fatal(err)
	}
	crash, err := v.AddPluginKey(plugin.EncodeRecipient(vaulttest.PluginName, []byte(vaulttest.CrashData)), plugin.EncodeIdentity(vaulttest.PluginName, []byte(vaulttest.CrashData)), "crashing", good.UI())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddPluginKey(plugin.EncodeRecipient(vaulttest.PluginName, []byte("x")), plugin.EncodeIdentity("other", []byte("x")), "", good.UI()); err == nil ||
		!strings.Contains(err.Error(), "identity is for plugin other") {
		t.Errorf("an identity of another plugin: %v", err)
	}

	open := func(slot vault.Slot, u *vaulttest.PluginUI) (*vault.Vault, error) {
		id, err := vault.PluginIdentity(slot, u.UI())
		if err != nil {
			t.Fatal(err)
		}
		return unlockWith(t, dir, id)
	}
	w, err := open(s, good)
	if err != nil {
		t.Fatalf("unlock through the plugin: %v", err)
	}
	if len(w.Entries()) != 1 || w.UnlockedWith() != vault.SlotPlugin {
		t.Errorf("%d entries, unlocked with %s", len(w.Entries()), w.UnlockedWith())
	}
	if len(good.Prompts) != 1 || !strings.Contains(good.Prompts[0], "PIN") || len(good.Messages) != 1 || !strings.Contains(good.Messages[0], "touch your key") {
		t.Errorf("prompts %q, messages %q", good.Prompts, good.Messages)
	}

	for name, c := range map[string]struct {
		slot vault.Slot
		pin  string
		want string
	}{
		"wrong PIN": {s, "0000", "wrong PIN"},
		"crash":     {crash, vaulttest.PluginPIN, "age plugin " + vaulttest.PluginName + " stopped without answering"},
	} {
		x, err := open(c.slot, &vaulttest.PluginUI{PIN: c.pin})
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, vault.ErrDamaged) || errors.Is(err, vault.ErrWrongKey) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
		if !x.Locked() {
			t.Errorf("%s: the vault is unlocked", name)
		}
		t.Logf("%s: %v", name, err)
	}

	res, err := w.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}, PluginUI: good.UI()})
	if err != nil || len(res.Dropped) != 0 {
		t.Fatalf("rekey: %v, %+v", err, res)
	}
	for _, x := range reopen2(t, dir).Slots() {
		if x.Label == "test key" {
			s = x
		}
	}
	if _, err := open(s, good); err != nil {
		t.Errorf("the plugin slot after a rekey: %v", err)
	}

	t.Setenv("PATH", t.TempDir())
	_, err = open(s, good)
	if err == nil || !strings.Contains(err.Error(), "age-plugin-"+vaulttest.PluginName+" was not found on PATH") {
		t.Errorf("plugin missing: %v", err)
	}
	t.Logf("plugin missing: %v", err)
}

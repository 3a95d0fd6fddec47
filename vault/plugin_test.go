package vault_test

import (
	"errors"
	"strings"
	"testing"

	"filippo.io/age/plugin"

	"github.com/tessera-auth/tessera/vault"
	"github.com/tessera-auth/tessera/vault/plugintest"
)

const (
	fakePlugin = plugintest.Name
	fakePIN    = plugintest.PIN
)

func pluginOnPath(t *testing.T) { plugintest.OnPath(t) }

// testUI answers PIN prompts with pin and records what the plugin showed.
type testUI struct {
	pin      string
	prompts  []string
	messages []string
}

func (u *testUI) ui() *plugin.ClientUI {
	return &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error { u.messages = append(u.messages, name+": "+msg); return nil },
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			u.prompts = append(u.prompts, prompt)
			if !secret {
				return "", errors.New("a PIN prompt that is not secret")
			}
			return u.pin, nil
		},
		Confirm:   func(string, string, string, string) (bool, error) { return false, errors.New("no confirm expected") },
		WaitTimer: func(string) {},
	}
}

// TestPluginSlot: a slot sealed to an age plugin recipient opens through
// the plugin (this test binary on PATH) with its PIN prompt and message
// shown; a wrong PIN, a plugin that crashes and a plugin that is not
// installed each fail with what happened, the vault staying locked and
// not called damaged; and a rekey seals the slot again through the plugin.
func TestPluginSlot(t *testing.T) {
	pluginOnPath(t)
	v, dir, _ := newVault(t)
	mustAdd(t, v, totp("GitHub", "alice", 1))
	mustSave(t, v)
	good := &testUI{pin: fakePIN}
	s, err := v.AddPluginKey(plugin.EncodeRecipient(fakePlugin, []byte("key one")), plugin.EncodeIdentity(fakePlugin, []byte("key one")), "test key", good.ui())
	if err != nil {
		t.Fatal(err)
	}
	crash, err := v.AddPluginKey(plugin.EncodeRecipient(fakePlugin, []byte("crash")), plugin.EncodeIdentity(fakePlugin, []byte("crash")), "crashing", good.ui())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.AddPluginKey(plugin.EncodeRecipient(fakePlugin, []byte("x")), plugin.EncodeIdentity("other", []byte("x")), "", good.ui()); err == nil ||
		!strings.Contains(err.Error(), "identity is for plugin other") {
		t.Errorf("an identity of another plugin: %v", err)
	}

	open := func(slot vault.Slot, u *testUI) (*vault.Vault, error) {
		id, err := vault.PluginIdentity(slot, u.ui())
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
	if len(good.prompts) != 1 || !strings.Contains(good.prompts[0], "PIN") || len(good.messages) != 1 || !strings.Contains(good.messages[0], "touch your key") {
		t.Errorf("prompts %q, messages %q", good.prompts, good.messages)
	}

	for name, c := range map[string]struct {
		slot vault.Slot
		pin  string
		want string
	}{
		"wrong PIN": {s, "0000", "wrong PIN"},
		"crash":     {crash, fakePIN, "age plugin " + fakePlugin + " stopped without answering"},
	} {
		x, err := open(c.slot, &testUI{pin: c.pin})
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, vault.ErrDamaged) || errors.Is(err, vault.ErrWrongKey) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
		if !x.Locked() {
			t.Errorf("%s: the vault is unlocked", name)
		}
		t.Logf("%s: %v", name, err)
	}

	res, err := w.Rekey(&vault.RekeyOptions{Passphrases: []string{testPass}, PluginUI: good.ui()})
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
	if err == nil || !strings.Contains(err.Error(), "age-plugin-"+fakePlugin+" was not found on PATH") {
		t.Errorf("plugin missing: %v", err)
	}
	t.Logf("plugin missing: %v", err)
}

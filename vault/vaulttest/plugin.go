// Package vaulttest holds test helpers for the vault and the packages that
// use it. It imports nothing of the project, so the vault's own tests can
// use it.
//
// # A fake age plugin
//
// [ServePlugin] is an age plugin, [PluginName], that a test binary serves
// when it runs under the name age-plugin-tesserakey: a stand-in for
// age-plugin-yubikey, which a test machine cannot have. [PluginOnPath]
// puts the running test binary on PATH under that name; [PluginUI]
// answers its PIN prompt. The plugin wraps a file key by XOR with a hash
// of the plugin data: no security, but a real round trip through the
// plugin protocol.
package vaulttest

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// PluginName is the fake plugin's name: its binary is
// age-plugin-tesserakey and its stanzas have this type.
const PluginName = "tesserakey"

// PluginPIN is the PIN the fake plugin's identities ask for.
const PluginPIN = "1234"

// PluginPrompt is what the fake plugin asks for the PIN with.
const PluginPrompt = "Enter the PIN of your test key"

// PluginRecipient returns the fake plugin's recipient for data.
func PluginRecipient(data string) string { return plugin.EncodeRecipient(PluginName, []byte(data)) }

// PluginIdentity returns the fake plugin's identity for data.
func PluginIdentity(data string) string { return plugin.EncodeIdentity(PluginName, []byte(data)) }

// CrashData is identity data that makes the fake plugin exit mid-unwrap.
const CrashData = "crash"

// IsPlugin reports whether the running binary was started as the fake
// plugin; a TestMain then calls os.Exit(ServePlugin()).
func IsPlugin() bool {
	return filepath.Base(os.Args[0]) == "age-plugin-"+PluginName
}

// ServePlugin runs the fake plugin on standard input and output and
// returns the exit code. Its identities ask for [PluginPIN] and then say
// "touch your key"; identity data [CrashData] makes it exit with code 2
// instead of answering.
func ServePlugin() int {
	p, err := plugin.New(PluginName)
	if err != nil {
		return 1
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) { return pluginKey{data: data}, nil })
	p.HandleIdentity(func(data []byte) (age.Identity, error) { return pluginKey{data: data, p: p}, nil })
	return p.Main()
}

// PluginOnPath links the running test binary as age-plugin-tesserakey
// into a temporary folder put first on PATH, for the rest of t.
func PluginOnPath(t testing.TB) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "age-plugin-"+PluginName)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// pluginKey is both the recipient and the identity of the fake plugin.
type pluginKey struct {
	data []byte
	p    *plugin.Plugin
}

func (k pluginKey) mask(b []byte) []byte {
	h := sha256.Sum256(k.data)
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ h[i%len(h)]
	}
	return out
}

func (k pluginKey) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	return []*age.Stanza{{Type: PluginName, Body: k.mask(fileKey)}}, nil
}

func (k pluginKey) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != PluginName {
			continue
		}
		if string(k.data) == CrashData {
			os.Exit(2)
		}
		pin, err := k.p.RequestValue(PluginPrompt, true)
		if err != nil {
			return nil, err
		}
		if pin != PluginPIN {
			return nil, errors.New("wrong PIN (2 tries left)")
		}
		if err := k.p.DisplayMessage("touch your key"); err != nil {
			return nil, err
		}
		return k.mask(s.Body), nil
	}
	return nil, age.ErrIncorrectIdentity
}

// PluginUI is the client side of the plugin's prompts: it answers PIN
// prompts with PIN and records what the plugin asked and showed.
type PluginUI struct {
	PIN      string
	Prompts  []string
	Messages []string
}

// UI returns the callbacks age's plugin client calls. A prompt that is not
// secret, or a confirmation, is an error: the fake plugin asks neither.
func (u *PluginUI) UI() *plugin.ClientUI {
	return &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error { u.Messages = append(u.Messages, name+": "+msg); return nil },
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			u.Prompts = append(u.Prompts, prompt)
			if !secret {
				return "", errors.New("a PIN prompt that is not secret")
			}
			return u.PIN, nil
		},
		Confirm:   func(string, string, string, string) (bool, error) { return false, errors.New("no confirm expected") },
		WaitTimer: func(string) {},
	}
}

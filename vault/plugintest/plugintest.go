// Package plugintest is a fake age plugin for tests: a test binary serves
// it when it runs as age-plugin-tesserakey ([Main] in TestMain), and
// [OnPath] links the test binary under that name into a folder first on
// PATH. It stands in for age-plugin-yubikey, which test machines cannot
// have.
//
// Its recipients and identities carry any data; it wraps a file key by XOR
// with a hash of that data (no security, but a real round trip through the
// plugin protocol). Unwrapping asks for a PIN ([PIN]) as a secret value,
// then says "touch your key"; the data "crash" makes it exit mid-unwrap.
package plugintest

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"
)

// Name is the plugin's name: its binary is age-plugin-tesserakey.
const Name = "tesserakey"

// PIN is the PIN its identities ask for.
const PIN = "1234"

// Prompt is what it asks for the PIN with.
const Prompt = "Enter the PIN of your test key"

// Main serves the plugin and exits, when the test binary runs as
// age-plugin-tesserakey; otherwise it returns. Call it first in TestMain.
func Main() {
	if filepath.Base(os.Args[0]) == "age-plugin-"+Name {
		os.Exit(Serve())
	}
}

// Serve speaks the plugin protocol on standard input and output until
// the client is done, and returns the exit code (for a testscript
// command, say).
func Serve() int {
	p, err := plugin.New(Name)
	if err != nil {
		return 1
	}
	p.HandleRecipient(func(data []byte) (age.Recipient, error) { return key{data: data}, nil })
	p.HandleIdentity(func(data []byte) (age.Identity, error) { return key{data: data, p: p}, nil })
	return p.Main()
}

// OnPath links the test binary as age-plugin-tesserakey into a folder put
// first on PATH for the test.
func OnPath(t testing.TB) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "age-plugin-"+Name)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// Recipient returns the plugin recipient for data.
func Recipient(data string) string { return plugin.EncodeRecipient(Name, []byte(data)) }

// Identity returns the plugin identity for data.
func Identity(data string) string { return plugin.EncodeIdentity(Name, []byte(data)) }

type key struct {
	data []byte
	p    *plugin.Plugin
}

func (k key) mask(b []byte) []byte {
	h := sha256.Sum256(k.data)
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ h[i%len(h)]
	}
	return out
}

func (k key) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	return []*age.Stanza{{Type: Name, Body: k.mask(fileKey)}}, nil
}

func (k key) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type != Name {
			continue
		}
		if string(k.data) == "crash" {
			os.Exit(2)
		}
		pin, err := k.p.RequestValue(Prompt, true)
		if err != nil {
			return nil, err
		}
		if pin != PIN {
			return nil, errors.New("wrong PIN (2 tries left)")
		}
		if err := k.p.DisplayMessage("touch your key"); err != nil {
			return nil, err
		}
		return k.mask(s.Body), nil
	}
	return nil, age.ErrIncorrectIdentity
}

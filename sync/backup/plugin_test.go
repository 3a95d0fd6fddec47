package backup_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"

	"github.com/tessera-auth/tessera/sync/backup"
)

// fakePlugin is the name of the age plugin this test binary serves when
// it runs as age-plugin-tesseratest: a stand-in for a hardware-key plugin
// such as age-plugin-yubikey, which this machine cannot have.
const fakePlugin = "tesseratest"

// TestMain serves the fake plugin when the binary runs under its name.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "age-plugin-"+fakePlugin {
		p, err := plugin.New(fakePlugin)
		if err != nil {
			os.Exit(1)
		}
		p.HandleRecipient(func(data []byte) (age.Recipient, error) { return fakeKey(data), nil })
		p.HandleIdentity(func(data []byte) (age.Identity, error) { return fakeKey(data), nil })
		os.Exit(p.Main())
	}
	os.Exit(m.Run())
}

// fakeKey wraps a file key by XOR with a hash of the plugin data: no
// security, but a real round trip through the plugin protocol.
type fakeKey []byte

func (k fakeKey) mask(b []byte) []byte {
	h := sha256.Sum256(k)
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ h[i%len(h)]
	}
	return out
}

func (k fakeKey) Wrap(fileKey []byte) ([]*age.Stanza, error) {
	return []*age.Stanza{{Type: fakePlugin, Body: k.mask(fileKey)}}, nil
}

func (k fakeKey) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	for _, s := range stanzas {
		if s.Type == fakePlugin {
			return k.mask(s.Body), nil
		}
	}
	return nil, age.ErrIncorrectIdentity
}

// TestPluginRecipient encrypts a backup to an age plugin recipient, given
// on its own and in a recipients file beside an X25519 key: age runs the
// plugin (this test binary, linked as age-plugin-tesseratest on PATH),
// and the backup opens with the plugin's identity and not with another's.
func TestPluginRecipient(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "age-plugin-"+fakePlugin)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	key := []byte("plugin key data")
	rec := plugin.EncodeRecipient(fakePlugin, key)
	x, _ := age.GenerateX25519Identity()
	recs, warns, err := backup.ParseRecipients(strings.NewReader("# a hardware key and a spare\n"+rec+"\n"+x.Recipient().String()+"\n"), "keys", nil)
	if err != nil || len(warns) > 0 || len(recs) != 2 {
		t.Fatalf("recipients: %d, %q, %v", len(recs), warns, err)
	}
	var buf bytes.Buffer
	want := sampleEntries(8)
	if err := backup.Write(&buf, &backup.File{Created: t0, Entries: want}, backup.Options{Recipients: recs}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("-> "+fakePlugin+"\n")) {
		t.Fatal("no stanza of the plugin in the header")
	}
	ui := &plugin.ClientUI{
		DisplayMessage: func(string, string) error { return nil },
		RequestValue:   func(string, string, bool) (string, error) { return "", errors.New("no input") },
		Confirm:        func(string, string, string, string) (bool, error) { return false, errors.New("no input") },
		WaitTimer:      func(string) {},
	}
	id, err := plugin.NewIdentity(plugin.EncodeIdentity(fakePlugin, key), ui)
	if err != nil {
		t.Fatal(err)
	}
	f, err := backup.Read(bytes.NewReader(buf.Bytes()), id)
	if err != nil {
		t.Fatal(err)
	}
	sameEntries(t, f.Entries, want, true)
	// The X25519 key opens it too; another plugin key does not.
	if _, err := backup.Read(bytes.NewReader(buf.Bytes()), x); err != nil {
		t.Errorf("the X25519 recipient: %v", err)
	}
	other, _ := plugin.NewIdentity(plugin.EncodeIdentity(fakePlugin, []byte("another key")), ui)
	if _, err := backup.Read(bytes.NewReader(buf.Bytes()), other); err == nil {
		t.Error("another plugin key opened the backup")
	}
}

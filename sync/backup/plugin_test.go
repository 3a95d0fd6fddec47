package backup_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"

	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault/vaulttest"
)

// TestMain serves the fake age plugin when the binary runs under its name
// and otherwise runs the tests, the plugin processes exiting at once.
func TestMain(m *testing.M) {
	if vaulttest.IsPlugin() {
		os.Exit(vaulttest.ServePlugin())
	}
	vaulttest.NoRaceExitSleep()
	os.Exit(m.Run())
}

// TestPluginRecipient encrypts a backup to an age plugin recipient, given
// on its own and in a recipients file beside an X25519 key: age runs the
// plugin (this test binary, linked as age-plugin-tesserakey on PATH),
// and the backup opens with the plugin's identity and not with another's.
func TestPluginRecipient(t *testing.T) {
	vaulttest.PluginOnPath(t)

	key := []byte("plugin key data")
	rec := plugin.EncodeRecipient(vaulttest.PluginName, key)
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
	if !bytes.Contains(buf.Bytes(), []byte("-> "+vaulttest.PluginName+"\n")) {
		t.Fatal("no stanza of the plugin in the header")
	}
	ui := (&vaulttest.PluginUI{PIN: vaulttest.PluginPIN}).UI()
	id, err := plugin.NewIdentity(plugin.EncodeIdentity(vaulttest.PluginName, key), ui)
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
	other, _ := plugin.NewIdentity(plugin.EncodeIdentity(vaulttest.PluginName, []byte("another key")), ui)
	if _, err := backup.Read(bytes.NewReader(buf.Bytes()), other); err == nil {
		t.Error("another plugin key opened the backup")
	}
}

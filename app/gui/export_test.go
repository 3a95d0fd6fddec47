package gui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/storage"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
)

// TestExportDialog exports from the window: an encrypted Aegis file needs
// matching passwords, a URI list is plain only and warns, and what is
// written holds the vault's OTP entries.
func TestExportDialog(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	ed := h.ui.newExportDialog()
	ed.show()
	if ed.protect.Selected != protectPassword || ed.warning.Visible() {
		t.Fatal("an Aegis export does not start encrypted")
	}
	ed.pass1.SetText("pw one")
	ed.pass2.SetText("pw two")
	if _, _, err := ed.render(); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Errorf("passwords that differ: %v", err)
	}
	ed.pass2.SetText("pw one")
	data, res, err := ed.render()
	if err != nil {
		t.Fatal(err)
	}
	var aegis struct {
		Header struct{ Slots []struct{ N int } } `json:"header"`
		DB     any                               `json:"db"`
	}
	if err := json.Unmarshal(data, &aegis); err != nil || len(aegis.Header.Slots) != 1 {
		t.Fatalf("aegis export: %v, %d slots", err, len(aegis.Header.Slots))
	}
	if _, ok := aegis.DB.(string); !ok || res.Written != 4 || len(res.Skipped) != 1 {
		t.Errorf("aegis export: db is %T, result %+v", aegis.DB, res)
	}

	ed.format.SetSelectedIndex(2) // URIs
	if ed.protect.Selected != protectPlain || !ed.protect.Disabled() || !ed.warning.Visible() {
		t.Fatal("a URI list is not plain with a warning")
	}
	data, _, err = ed.render()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		if _, _, err := otp.ParseURI(sc.Text()); err != nil {
			t.Errorf("line %d: %v", n+1, err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d URIs, want the 4 OTP entries", n)
	}
	if s := exportSummary(res, "x.json", true); !strings.Contains(s, "CI token") || !strings.Contains(s, "unencrypted") {
		t.Errorf("summary %q", s)
	}
}

// TestExportMigrationImages writes Google Authenticator codes from the
// export dialog into a folder: each image reads back as an export payload
// holding the vault's OTP entries that the format can carry.
func TestExportMigrationImages(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	d := h.ui.newExportDialog()
	d.format.SetSelectedIndex(len(exportFormats) - 1)
	if d.protect.Selected != protectPlain || !d.warning.Visible() {
		t.Fatal("Google Authenticator codes are not plain with a warning")
	}
	dir := t.TempDir()
	names, res, err := d.writeMigration(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	// The 60 s entry and the token cannot go.
	if len(names) != 1 || res.Written != 3 || len(res.Skipped) != 2 {
		t.Fatalf("wrote %v, result %+v", names, res)
	}
	f, err := os.Open(filepath.Join(dir, names[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	texts, err := qr.Decode(f)
	if err != nil || len(texts) != 1 {
		t.Fatalf("%d texts, %v", len(texts), err)
	}
	batch, err := otp.ParseMigration(texts[0])
	if err != nil || len(batch.Credentials) != 3 {
		t.Fatalf("%d accounts, %v", len(batch.Credentials), err)
	}
	if _, _, err := d.writeMigration(storage.NewFileURI(dir)); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("writing over an earlier export: %v", err)
	}
}

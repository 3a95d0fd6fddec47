package gui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/sync/imports"
	"github.com/tessera-auth/tessera/vault"
)

// addFromFile takes a file opened or dropped on the window: a QR image is
// read for its codes, anything else as another app's export.
func (u *UI) addFromFile(name string, r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, imports.MaxInputSize+1))
	if err != nil {
		u.report(fmt.Sprintf("Cannot read %s: %v", name, err), true)
		return
	}
	if imports.Sniff(name, data) == "qr" {
		u.addFromImage(name, bytes.NewReader(data))
		return
	}
	var related func(string) ([]byte, error)
	if rc, ok := r.(fyne.URIReadCloser); ok {
		related = relatedFiles(rc.URI())
	}
	u.importFile(name, data, related)
}

// relatedFiles reads files beside uri, by base name only (Steam Desktop
// Authenticator's manifest.json lists its .maFiles).
func relatedFiles(uri fyne.URI) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if name != path.Base(name) || name == "." || name == ".." {
			return nil, fmt.Errorf("%q is not a file name", name)
		}
		parent, err := storage.Parent(uri)
		if err != nil {
			return nil, err
		}
		child, err := storage.Child(parent, name)
		if err != nil {
			return nil, err
		}
		rd, err := storage.Reader(child)
		if err != nil {
			return nil, err
		}
		defer rd.Close()
		b, err := io.ReadAll(io.LimitReader(rd, imports.MaxInputSize+1))
		if err == nil && len(b) > imports.MaxInputSize {
			clear(b)
			return nil, fmt.Errorf("%s is larger than %d MiB", name, imports.MaxInputSize>>20)
		}
		return b, err
	}
}

// importFlow is one import of another app's export through the window:
// the file's passphrase asked for when it is encrypted, then the preview.
type importFlow struct {
	ui      *UI
	name    string
	data    []byte
	related func(string) ([]byte, error)

	pass    *widget.Entry // the passphrase field, while it is asked for
	passDlg *dialog.FormDialog
	screen  *importScreen
}

// importFile reads an export file and shows what it holds to choose from;
// related reads the files beside it, or is nil. It takes data over and
// zeroes it when done.
func (u *UI) importFile(name string, data []byte, related func(string) ([]byte, error)) *importFlow {
	f := &importFlow{ui: u, name: name, data: data, related: related}
	f.read(nil)
	return f
}

// read reads the file, away from the UI goroutine: key derivation takes a
// second or more.
func (f *importFlow) read(pass []byte) {
	f.ui.cfg.Go(func() {
		res, err := imports.Read(f.name, f.data, imports.Options{ReadRelated: f.related, Passphrase: func() ([]byte, error) {
			if pass == nil {
				return nil, imports.ErrNeedPassphrase
			}
			return pass, nil
		}})
		clear(pass)
		fyne.Do(func() { f.done(res, err) })
	})
}

func (f *importFlow) done(res *imports.Result, err error) {
	switch {
	case errors.Is(err, imports.ErrNeedPassphrase):
		f.askPassphrase("")
		return
	case errors.Is(err, imports.ErrWrongPassphrase):
		f.askPassphrase("That passphrase does not open the file. Try again.")
		return
	}
	clear(f.data)
	if err != nil {
		f.ui.report(fmt.Sprintf("%s: %v", f.name, err), true)
		return
	}
	if !f.ui.unlocked() {
		return
	}
	f.screen = newImportScreen(f.ui, f.name, res)
	f.ui.show(f.screen.content, nil)
}

// askPassphrase asks for the export's own passphrase (not the vault's).
func (f *importFlow) askPassphrase(problem string) {
	f.pass = widget.NewPasswordEntry()
	f.pass.SetPlaceHolder("the passphrase the other app asked for")
	items := []*widget.FormItem{widget.NewFormItem("Passphrase", f.pass)}
	if problem != "" {
		l := widget.NewLabel(problem)
		l.Importance = widget.DangerImportance
		items = append(items, widget.NewFormItem("", l))
	}
	f.passDlg = dialog.NewForm(f.name+" is encrypted", "Open", "Cancel", items, func(ok bool) {
		p := []byte(f.pass.Text)
		f.pass.SetText("")
		if !ok || len(p) == 0 {
			clear(f.data)
			return
		}
		f.read(p)
	}, f.ui.win)
	f.ui.showDialog(f.passDlg, nil)
	f.ui.win.Canvas().Focus(f.pass)
}

// importScreen lists what an export holds, each account with a checkbox,
// and says what was left out and why.
type importScreen struct {
	ui *UI

	items   []imports.Item
	dups    []imports.Duplicate
	checks  []*widget.Check
	all     *widget.Check
	addBtn  *widget.Button
	notes   *widget.Label
	content fyne.CanvasObject
}

func newImportScreen(ui *UI, name string, res *imports.Result) *importScreen {
	fresh, dups := imports.Dedupe(ui.vault.Entries(), res.Items)
	s := &importScreen{ui: ui, items: fresh, dups: dups}
	rows := container.NewVBox()
	for _, it := range fresh {
		e := &it.Entry
		label := e.Label() + "  ·  " + e.KindName()
		if len(e.Tags) > 0 {
			label += "  ·  " + strings.Join(e.Tags, ", ")
		}
		c := widget.NewCheck("", func(bool) { s.onChecked() })
		c.Checked = true
		s.checks = append(s.checks, c)
		rows.Add(checkRow(c, label))
	}
	var notes []string
	if len(dups) > 0 {
		notes = append(notes, fmt.Sprintf("%d already in the vault (same secret), left out.", len(dups)))
	}
	for _, p := range res.Problems {
		notes = append(notes, fmt.Sprintf("Cannot use %s: %s.", p.Position, p.Reason))
	}
	for _, d := range res.Dropped {
		notes = append(notes, "Not kept (Tessera has no place for it): "+d+".")
	}
	for _, m := range imports.MissingParts(res.Parts) {
		notes = append(notes, "Missing: "+m+"; import it too.")
	}
	s.notes = widget.NewLabel(strings.Join(notes, "\n"))
	s.notes.Wrapping = fyne.TextWrapWord
	s.notes.Hidden = len(notes) == 0

	s.all = widget.NewCheck("All", s.onAll)
	s.all.Checked = true
	s.addBtn = widget.NewButton("", s.onAdd)
	s.addBtn.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", ui.showList)
	title := widget.NewLabel(fmt.Sprintf("%d new accounts in %s (%s export). Choose the ones to add:", len(fresh), name, res.Format))
	title.Wrapping = fyne.TextWrapWord
	title.TextStyle.Bold = true
	s.content = container.NewBorder(container.NewVBox(title, s.notes, s.all, widget.NewSeparator()),
		container.NewGridWithColumns(2, cancel, s.addBtn), nil, nil, container.NewVScroll(rows))
	s.onChecked()
	return s
}

// chosen returns the checked entries.
func (s *importScreen) chosen() []vault.Entry {
	var out []vault.Entry
	for i, c := range s.checks {
		if c.Checked {
			out = append(out, s.items[i].Entry)
		}
	}
	return out
}

func (s *importScreen) onChecked() {
	n := len(s.chosen())
	s.addBtn.SetText(fmt.Sprintf("Add %d", n))
	if n == 0 {
		s.addBtn.Disable()
	} else {
		s.addBtn.Enable()
	}
}

func (s *importScreen) onAll(on bool) {
	for _, c := range s.checks {
		c.Checked = on
		c.Refresh()
	}
	s.onChecked()
}

func (s *importScreen) onAdd() {
	s.ui.touch()
	// A HOTP account already in the vault takes the other app's higher
	// counter: the codes that app gave must not come again.
	if raised, err := imports.RaiseCounters(s.ui.vault, s.dups); err != nil {
		s.ui.report(err.Error(), true)
		return
	} else if len(raised) > 0 {
		s.ui.unsaved = true
	}
	s.ui.addEntries(s.chosen())
}

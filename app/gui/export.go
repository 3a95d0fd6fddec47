package gui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/sync/export"
)

// The export formats the window offers, and their file names.
var exportFormats = []struct{ label, format, file string }{
	{"Aegis (.json)", "aegis", "tessera-aegis.json"},
	{"2FAS (.2fas)", "2fas", "tessera.2fas"},
	{"otpauth URIs, one a line (.txt)", "uris", "tessera-uris.txt"},
	{"Paper backup to print (.html)", "html", "tessera-paper-backup.html"},
	{"Google Authenticator codes (PNG images into a folder)", "migration", ""},
}

// Choices of protection for an export.
const (
	protectPassword = "Encrypted with a password"
	protectPlain    = "Plain: every secret in clear"
)

// exportDialog writes the vault's entries for another authenticator or as
// a paper backup, the window's face of tessera export. Plain exports are
// written only after the warning is shown.
type exportDialog struct {
	ui *UI

	format  *widget.Select
	protect *widget.RadioGroup
	pass1   *keyEntry
	pass2   *keyEntry
	warning *widget.Label
	dialog  dialog.Dialog
}

// showExport opens the export dialog.
func (u *UI) showExport() {
	u.touch()
	if u.unlocked() {
		u.newExportDialog().show()
	}
}

// newExportDialog builds the export dialog.
func (u *UI) newExportDialog() *exportDialog {
	d := &exportDialog{ui: u}
	labels := make([]string, len(exportFormats))
	for i, f := range exportFormats {
		labels[i] = f.label
	}
	d.format = widget.NewSelect(labels, func(string) { d.onChange() })
	d.protect = widget.NewRadioGroup([]string{protectPassword, protectPlain}, func(string) { d.onChange() })
	d.protect.Required = true
	d.pass1 = u.newDialogPassword()
	d.pass1.SetPlaceHolder("password") // longer, it scrolled in the half-width field
	d.pass2 = u.newDialogPassword()
	d.pass2.SetPlaceHolder("again")
	d.warning = widget.NewLabel("")
	d.warning.Wrapping = fyne.TextWrapWord
	d.warning.Importance = widget.DangerImportance
	d.format.SetSelectedIndex(0)
	d.protect.SetSelected(protectPassword)
	form := widget.NewForm(
		widget.NewFormItem("Format", d.format),
		widget.NewFormItem("Protection", d.protect),
		widget.NewFormItem("Password", container.NewGridWithColumns(2, d.pass1, d.pass2)),
	)
	d.dialog = dialog.NewCustomConfirm("Export", "Export…", "Cancel", container.NewVBox(form, d.warning), func(ok bool) {
		if ok {
			d.onExport()
		}
	}, u.win)
	d.dialog.Resize(fyne.NewSize(u.dialogRoom(), d.dialog.MinSize().Height))
	return d
}

func (d *exportDialog) show() { d.ui.showDialog(d.dialog, nil) }

// chosen returns the chosen format's entry in exportFormats.
func (d *exportDialog) chosen() (label, format, file string) {
	i := d.format.SelectedIndex()
	if i < 0 {
		i = 0
	}
	f := exportFormats[i]
	return f.label, f.format, f.file
}

// encryptable reports whether the chosen format can be encrypted.
func (d *exportDialog) encryptable() bool {
	_, f, _ := d.chosen()
	return f == "aegis" || f == "2fas"
}

// onChange fits the protection and the warning to the chosen format.
func (d *exportDialog) onChange() {
	if d.protect == nil || d.warning == nil {
		return
	}
	if !d.encryptable() {
		d.protect.SetSelected(protectPlain)
		d.protect.Disable()
	} else {
		d.protect.Enable()
	}
	plain := d.protect.Selected == protectPlain
	for _, e := range []*keyEntry{d.pass1, d.pass2} {
		if plain {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	if plain {
		d.warning.SetText("The file will hold every secret unencrypted: anyone who reads it can make your codes. " +
			"Import or print it, then delete it.")
		d.warning.Show()
	} else {
		d.warning.Hide()
	}
}

// render writes the export as the dialog says.
func (d *exportDialog) render() ([]byte, export.Result, error) {
	_, format, _ := d.chosen()
	password := ""
	if d.protect.Selected != protectPlain {
		if d.pass1.Text == "" {
			return nil, export.Result{}, errors.New("give the export a password, or choose plain")
		}
		if d.pass1.Text != d.pass2.Text {
			return nil, export.Result{}, errors.New("the two passwords differ")
		}
		password = d.pass1.Text
	}
	var buf bytes.Buffer
	entries := d.ui.vault.Entries()
	now := d.ui.clock.Now()
	var r export.Result
	var err error
	switch format {
	case "aegis":
		r, err = export.Aegis(&buf, entries, password)
	case "2fas":
		r, err = export.TwoFAS(&buf, entries, password, now)
	case "uris":
		r, err = export.URIs(&buf, entries)
	case "html":
		r, err = export.HTML(&buf, entries, now)
	case "migration":
		return nil, r, errors.New("a Google Authenticator export is several images: use writeMigration")
	}
	if err == nil && r.Written == 0 {
		err = errors.New("no entry this format can hold")
	}
	return buf.Bytes(), r, err
}

// onExport renders the export, then asks where to save it.
func (d *exportDialog) onExport() {
	u := d.ui
	u.touch()
	if _, format, _ := d.chosen(); format == "migration" {
		u.showDialog(dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
			if err != nil || dir == nil {
				return
			}
			names, res, err := d.writeMigration(dir)
			if err != nil {
				u.showDialog(dialog.NewError(err, u.win), nil)
				return
			}
			u.toast.show(exportSummary(res, fmt.Sprintf("%d images (%s…)", len(names), names[0]), true), 2*toastTime, "", nil)
		}, u.win), nil)
		return
	}
	data, res, err := d.render()
	if err != nil {
		u.showDialog(dialog.NewError(err, u.win), nil)
		return
	}
	_, _, file := d.chosen()
	plain := d.protect.Selected == protectPlain
	save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		defer clear(data)
		if err != nil || w == nil {
			return
		}
		_, werr := w.Write(data)
		if cerr := w.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			u.showDialog(dialog.NewError(fmt.Errorf("writing the export: %w", werr), u.win), nil)
			return
		}
		u.toast.show(exportSummary(res, w.URI().Name(), plain), 2*toastTime, "", nil)
	}, u.win)
	save.SetFileName(file)
	u.showDialog(save, nil)
}

// exportSummary says what an export wrote and left out.
func exportSummary(r export.Result, name string, plain bool) string {
	msg := fmt.Sprintf("Exported %d entries to %s.", r.Written, name)
	if len(r.Skipped) > 0 {
		names := make([]string, len(r.Skipped))
		for i, s := range r.Skipped {
			names[i] = s.Label
		}
		msg += " Left out, as the format cannot hold them: " + strings.Join(names, ", ") + "."
	}
	if plain {
		msg += " It holds every secret unencrypted: delete it when done."
	}
	return msg
}

// writeMigration writes Google Authenticator export codes as PNG files
// into dir and returns their names.
func (d *exportDialog) writeMigration(dir fyne.URI) ([]string, export.Result, error) {
	codes, res, err := export.Migration(d.ui.vault.Entries())
	if err == nil && len(codes) == 0 {
		err = errors.New("no entry Google Authenticator can hold")
	}
	if err != nil {
		return nil, res, err
	}
	var names []string
	for i, c := range codes {
		name := fmt.Sprintf("tessera-export-%d-of-%d.png", i+1, len(codes))
		u, err := storage.Child(dir, name)
		if err == nil {
			err = writeNew(u, c.PNG)
		}
		if err != nil {
			return names, res, fmt.Errorf("writing %s: %w", name, err)
		}
		names = append(names, name)
	}
	return names, res, nil
}

// writeNew writes data to u, refusing to replace a file there.
func writeNew(u fyne.URI, data []byte) error {
	if ok, _ := storage.Exists(u); ok {
		return fmt.Errorf("%s exists", u.Name())
	}
	w, err := storage.Writer(u)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

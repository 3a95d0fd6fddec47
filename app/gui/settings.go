package gui

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/loopback"
)

// Choices offered for the timed settings.
var (
	autoLockChoices = []time.Duration{0, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}
	clearChoices    = []time.Duration{0, 10 * time.Second, 20 * time.Second, 30 * time.Second, 45 * time.Second, time.Minute, 90 * time.Second, 2 * time.Minute}
)

// settingsScreen edits the preferences: auto-lock, clipboard clearing,
// theme, backups kept (and the backups themselves, to restore one), the
// vault path, and icon packs.
type settingsScreen struct {
	ui *UI

	autoLock     *widget.Select
	lockOnScreen *widget.Check
	clearAfter   *widget.Select
	theme        *widget.RadioGroup
	backups      *widget.Entry
	vaultPath    *widget.Entry
	port         *widget.Entry // the approvals endpoint's port
	syncDir      *widget.Entry // the folder a sync tool replicates, empty for none
	packs        *widget.Label
	content      fyne.CanvasObject

	backupsDialog *backupsDialog // the list of backups on show, if any
}

func durationLabel(d time.Duration) string {
	switch {
	case d == 0:
		return "Never"
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d/time.Second))
	case d%time.Minute != 0:
		return fmt.Sprintf("%d seconds", int(d/time.Second))
	case d == time.Minute:
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", int(d/time.Minute))
}

func labels(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = durationLabel(d)
	}
	return out
}

func pick(ds []time.Duration, label string) (time.Duration, bool) {
	for _, d := range ds {
		if durationLabel(d) == label {
			return d, true
		}
	}
	return 0, false
}

func newSettingsScreen(ui *UI) *settingsScreen {
	s := &settingsScreen{ui: ui}
	p := ui.app.Preferences()
	s.autoLock = widget.NewSelect(labels(autoLockChoices), func(l string) {
		if d, ok := pick(autoLockChoices, l); ok {
			p.SetInt(prefAutoLock, int(d/time.Second))
			ui.rearmIdle()
		}
	})
	s.lockOnScreen = widget.NewCheck("Also lock when the screen locks", func(on bool) { p.SetBool(prefLockOnScreen, on) })
	s.clearAfter = widget.NewSelect(labels(clearChoices), func(l string) {
		if d, ok := pick(clearChoices, l); ok {
			p.SetInt(prefClearAfter, int(d/time.Second))
		}
	})
	s.theme = widget.NewRadioGroup([]string{themeSystem, themeLight, themeDark}, func(t string) {
		if t == "" {
			return
		}
		p.SetString(prefTheme, t)
		applyTheme(ui.app, t)
	})
	s.theme.Horizontal = true
	s.theme.Required = true
	s.backups = widget.NewEntry()
	s.backups.Validator = intRange("backups kept", 0, 1000)
	showBackups := widget.NewButtonWithIcon("Backups…", theme.HistoryIcon(), ui.showBackups)
	s.syncDir = widget.NewEntry()
	s.syncDir.SetPlaceHolder("none")
	s.port = widget.NewEntry()
	s.port.Validator = intRange("port", 0, 65535)
	s.vaultPath = widget.NewEntry()
	s.vaultPath.SetPlaceHolder("default: " + ui.dir)
	s.packs = widget.NewLabel("")
	s.packs.Wrapping = fyne.TextWrapWord
	importBtn := widget.NewButtonWithIcon("Import Aegis icon pack…", theme.FolderOpenIcon(), s.onImportPack)

	form := &widget.Form{
		Items: []*widget.FormItem{
			{Text: "Lock after idle", Widget: s.autoLock},
			{Text: "", Widget: s.lockOnScreen},
			{Text: "Clear clipboard", Widget: s.clearAfter, HintText: "after copying, if it still holds the code"},
			{Text: "Theme", Widget: s.theme},
			{Text: "Backups kept", Widget: s.backups, HintText: "earlier versions kept on each save"},
			{Text: "", Widget: container.NewHBox(showBackups)}, // apart, so that the form sees the field's validator
			{Text: "Backup files", Widget: container.NewVBox( // as wide as their names, as the other buttons here
				container.NewHBox(widget.NewButton("Automatic backups…", ui.showAutoBackup)),
				container.NewHBox(widget.NewButton("Restore a backup…", ui.showRestoreFile)),
				container.NewHBox(widget.NewButton("Export…", ui.showExport)))},
			{Text: "Passphrase", Widget: container.NewHBox(widget.NewButton("Change passphrase…", ui.showPasswd))},
			{Text: "Security keys", Widget: container.NewHBox(widget.NewButton("Security keys…", ui.showKeys)), HintText: "a key or passkey unlocks; Ctrl+Shift+K"},
			{Text: "Sync folder", Widget: s.syncDir, HintText: "replicated by Syncthing, Nextcloud, Dropbox…"},
			{Text: "", Widget: container.NewHBox(widget.NewButton("Devices…", ui.showDevices))},
			{Text: "Approvals", Widget: container.NewHBox(widget.NewButton("Paired programs and log…", func() { ui.approvals.showManager() })), HintText: "programs asking you to approve; Ctrl+Shift+A"},
			{Text: "Approvals port", Widget: s.port, HintText: "127.0.0.1 only; from the next start; 0 is off"},
			{Text: "Vault folder", Widget: s.vaultPath, HintText: "from the next start; empty for the default"},
			{Text: "Icons", Widget: container.NewVBox(s.packs, importBtn)},
		},
	} // its buttons are the screen's bar
	back := ui.newIconButton(theme.NavigateBackIcon(), "Back to the list (Escape)", ui.showList)
	title := widget.NewLabel("Settings")
	title.TextStyle.Bold = true
	bar := newFormBar("Back", ui.showList, "Apply", func() { submitForm(form, s.onApply) })
	s.content = container.NewBorder(container.NewBorder(nil, nil, back, nil, title), bar, nil, nil,
		container.NewVScroll(container.NewPadded(form)))
	return s
}

// showSettings opens the settings screen.
func (u *UI) showSettings() {
	u.touch()
	if !u.unlocked() {
		return
	}
	if u.settings == nil {
		u.settings = newSettingsScreen(u)
	}
	u.settings.load()
	u.show(u.settings.content, nil)
}

func (s *settingsScreen) load() {
	pr := s.ui.prefs
	s.autoLock.Selected = durationLabel(pr.autoLock())
	s.autoLock.Refresh()
	s.lockOnScreen.SetChecked(pr.lockOnScreenLock())
	s.clearAfter.Selected = durationLabel(pr.clearAfter())
	s.clearAfter.Refresh()
	s.theme.Selected = pr.theme()
	s.theme.Refresh()
	s.backups.SetText(strconv.Itoa(s.ui.vault.BackupsKept()))
	s.vaultPath.SetText(pr.vaultPath())
	s.syncDir.SetText(s.ui.app.Preferences().String(prefSyncFolder))
	s.port.SetText(strconv.Itoa(s.ui.app.Preferences().IntWithFallback(prefApprovalsPort, loopback.DefaultPort)))
	names := make([]string, 0, len(s.ui.icons.packs))
	for _, p := range s.ui.icons.packs {
		names = append(names, fmt.Sprintf("%s (%d icons)", p.Name, len(p.Icons)))
	}
	if len(names) == 0 {
		s.packs.SetText("Bundled icons only. Aegis icon packs (ZIP files with a pack.json) add more.")
	} else {
		s.packs.SetText("Bundled icons, and: " + strings.Join(names, ", "))
	}
}

// onApply stores the settings that are not stored as they change.
func (s *settingsScreen) onApply() {
	s.ui.touch()
	n, err := strconv.Atoi(strings.TrimSpace(s.backups.Text))
	if err != nil || n < 0 {
		s.ui.showDialog(dialog.NewError(errors.New("backups kept must be a whole number, 0 or more"), s.ui.win), nil)
		return
	}
	if n != s.ui.vault.BackupsKept() {
		if err := s.ui.vault.SetBackupsKept(n); err != nil {
			s.ui.showDialog(dialog.NewError(fmt.Errorf("setting the backups kept: %w", err), s.ui.win), nil)
			return
		}
	}
	port, err := strconv.Atoi(strings.TrimSpace(s.port.Text))
	if err != nil || port < 0 || port > 65535 {
		s.ui.showDialog(dialog.NewError(errors.New("the approvals port must be a number from 0 to 65535 (0 turns approvals off)"), s.ui.win), nil)
		return
	}
	s.ui.app.Preferences().SetInt(prefApprovalsPort, port)
	if dir := strings.TrimSpace(s.syncDir.Text); dir != s.ui.app.Preferences().String(prefSyncFolder) {
		s.ui.app.Preferences().SetString(prefSyncFolder, dir)
		s.ui.stopSync()
		s.ui.startSync() // says so if the folder cannot be used
	}
	s.ui.app.Preferences().SetString(prefVaultPath, strings.TrimSpace(s.vaultPath.Text))
	s.ui.showList()
	s.ui.toast.show("Settings saved.", toastTime, "", nil)
}

func (s *settingsScreen) onImportPack() {
	s.ui.touch()
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		defer r.Close()
		s.importFrom(r)
	}, s.ui.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".zip"}))
	s.ui.showDialog(d, nil)
}

// importFrom reads an icon pack and keeps it.
func (s *settingsScreen) importFrom(r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20+1))
	if err != nil {
		s.ui.showDialog(dialog.NewError(fmt.Errorf("reading the icon pack: %w", err), s.ui.win), nil)
		return
	}
	p, err := s.ui.icons.importPack(data)
	if err != nil {
		s.ui.showDialog(dialog.NewError(err, s.ui.win), nil)
		return
	}
	s.load()
	s.ui.list.list.Refresh()
	s.ui.toast.show(fmt.Sprintf("Imported the icon pack %s: %d icons.", p.Name, len(p.Icons)), toastTime, "", nil)
}

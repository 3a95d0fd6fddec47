package gui

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/assets"
	"github.com/tessera-auth/tessera/vault"
)

// unlockScreen asks for the passphrase (or the recovery code). The keyboard
// focus starts in the passphrase field, so typing it and pressing Enter
// unlocks.
type unlockScreen struct {
	ui *UI

	pass     *keyEntry
	button   *widget.Button
	recovery *widget.Button
	status   *widget.Label
	where    *widget.Label
	content  fyne.CanvasObject

	useRecovery bool
	busy        bool
}

func newUnlockScreen(ui *UI) *unlockScreen {
	s := &unlockScreen{ui: ui}
	s.pass = newKeyEntry()
	s.pass.Password = true
	s.pass.SetPlaceHolder("Passphrase")
	s.pass.OnSubmitted = func(string) { s.onUnlock() }
	s.button = widget.NewButton("Unlock", s.onUnlock)
	s.button.Importance = widget.HighImportance
	s.recovery = widget.NewButton("Use the recovery code instead", s.onToggleRecovery)
	s.recovery.Importance = widget.LowImportance
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Importance = widget.DangerImportance
	s.where = widget.NewLabel("")
	s.where.SizeName = theme.SizeNameCaptionText
	s.where.Truncation = fyne.TextTruncateEllipsis
	s.where.Alignment = fyne.TextAlignCenter
	logo := canvas.NewImageFromResource(fyne.NewStaticResource("tessera.png", assets.IconPNG))
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(96))
	title := widget.NewLabel("Tessera is locked")
	title.Alignment = fyne.TextAlignCenter
	title.TextStyle.Bold = true
	form := container.NewVBox(logo, title, s.pass, s.button, s.status, s.recovery, s.where)
	s.content = container.NewCenter(container.New(fixedWidth(340), form))
	return s
}

// reset empties the field for the next unlock, which always starts with
// the passphrase, masked, whatever opened the vault the last time.
func (s *unlockScreen) reset() {
	s.setRecovery(false)
	s.status.SetText("")
	s.status.Hide()
	s.busy = false
	s.pass.Enable()
	s.button.Enable()
	s.where.SetText("Vault: " + s.ui.dir)
}

func (s *unlockScreen) onToggleRecovery() {
	s.setRecovery(!s.useRecovery)
	// A failure said of the other way in no longer applies.
	s.status.SetText("")
	s.status.Hide()
	s.ui.win.Canvas().Focus(s.pass)
}

// setRecovery switches the field between the recovery code (shown, as it
// is long and copied from paper) and the passphrase (masked), emptying it.
func (s *unlockScreen) setRecovery(on bool) {
	s.useRecovery = on
	s.pass.SetText("")
	if on {
		s.pass.Password = false
		s.pass.SetPlaceHolder("Recovery code (AGE-SECRET-KEY-1...)")
		s.recovery.SetText("Use the passphrase instead")
	} else {
		s.pass.Password = true
		s.pass.SetPlaceHolder("Passphrase")
		s.recovery.SetText("Use the recovery code instead")
	}
	s.pass.Refresh()
}

// onUnlock derives the key away from the UI and then shows the list.
func (s *unlockScreen) onUnlock() {
	if s.busy || s.ui.vault == nil {
		return
	}
	secret := s.pass.Text
	if strings.TrimSpace(secret) == "" {
		s.fail(errors.New("type the passphrase first"))
		return
	}
	s.busy = true
	s.pass.Disable()
	s.button.Disable()
	s.status.Importance = widget.MediumImportance
	s.status.SetText("Unlocking…")
	s.status.Show()
	v, recovery := s.ui.vault, s.useRecovery
	s.ui.cfg.Go(func() {
		var err error
		if recovery {
			err = v.UnlockRecoveryCode(secret)
		} else {
			err = v.UnlockPassphrase(secret)
		}
		releaseKeyDerivation()
		fyne.Do(func() { s.done(err) })
	})
}

func (s *unlockScreen) done(err error) {
	s.busy = false
	s.pass.Enable()
	s.button.Enable()
	if err != nil {
		s.fail(err)
		s.pass.SetText("")
		s.ui.win.Canvas().Focus(s.pass)
		return
	}
	s.status.Hide()
	s.pass.SetText("")
	s.ui.onUnlocked()
}

// fail shows why the vault did not open and what to do.
func (s *unlockScreen) fail(err error) {
	msg := sentence(err.Error())
	switch {
	case errors.Is(err, vault.ErrWrongKey):
		if s.useRecovery {
			msg = "That recovery code does not open this vault. Check it, or use the passphrase."
		} else {
			msg = "Wrong passphrase. Check Caps Lock and try again, or use the recovery code."
		}
	case errors.Is(err, vault.ErrDamaged):
		msg += fmt.Sprintf("\nYour backups are in %s/backups.", s.ui.dir)
	}
	s.status.Importance = widget.DangerImportance
	s.status.SetText(msg)
	s.status.Show()
}

// sentence makes an error's text (lower-case, no full stop, as Go errors
// are) a sentence for the window, beside the sentences it writes itself:
// the recovery code's "the recovery code is mistyped (...)" stood out.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// releaseKeyDerivation gives the memory of a key derivation back to the
// system: scrypt takes 256 MiB at the tuned work factor, which Go's
// runtime would otherwise keep resident for minutes after the unlock
// (430 MiB measured with 200 entries, against 135 MiB for a bare Fyne
// window).
func releaseKeyDerivation() { debug.FreeOSMemory() }

// fixedWidth lays its objects out on top of each other, w wide and as high
// as they need at that width (which wrapped labels only know once sized).
type fixedWidth float32

func (w fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		o.Resize(fyne.NewSize(float32(w), o.Size().Height))
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

func (w fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

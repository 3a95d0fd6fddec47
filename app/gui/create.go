package gui

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/vault"
)

// createScreen makes a vault on the first run: the passphrase twice with a
// strength hint, then the recovery code, shown once.
type createScreen struct {
	ui *UI

	pass1, pass2 *keyEntry
	strength     *strengthMeter
	hint         *widget.Label
	button       *widget.Button
	why          *widget.Label // why the button is off, while it is
	status       *widget.Label
	content      fyne.CanvasObject

	// The recovery step.
	code      *widget.Label // the code in groups, read-only
	codeBg    *canvas.Rectangle
	secret    string // the code as age writes it, for Copy and Save
	copyCode  *widget.Button
	saveCode  *widget.Button
	saved     *widget.Check
	cont      *widget.Button
	recovered fyne.CanvasObject
	busy      bool
}

func newCreateScreen(ui *UI) *createScreen {
	s := &createScreen{ui: ui}
	s.pass1 = newKeyEntry()
	s.pass1.Password = true
	s.pass1.SetPlaceHolder("New passphrase")
	s.pass1.OnChanged = func(string) { s.onChanged() }
	s.pass1.OnSubmitted = func(string) { s.ui.win.Canvas().Focus(s.pass2) }
	s.pass2 = newKeyEntry()
	s.pass2.Password = true
	s.pass2.SetPlaceHolder("The same passphrase again")
	s.pass2.OnChanged = func(string) { s.onChanged() }
	s.pass2.OnSubmitted = func(string) { s.onCreate() }
	s.strength = newStrengthMeter()
	s.hint = widget.NewLabel("")
	s.hint.Wrapping = fyne.TextWrapWord
	s.hint.SizeName = theme.SizeNameCaptionText
	s.button = widget.NewButton("Create vault", s.onCreate)
	s.button.Importance = widget.HighImportance
	s.why = widget.NewLabel("")
	s.why.Wrapping = fyne.TextWrapWord
	s.why.SizeName = theme.SizeNameCaptionText
	s.why.Alignment = fyne.TextAlignCenter
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Importance = widget.DangerImportance
	intro := widget.NewLabel("Welcome to Tessera. Choose a passphrase for your new vault. It encrypts everything Tessera keeps; nobody can recover it for you.")
	intro.Wrapping = fyne.TextWrapWord
	where := widget.NewLabel("The vault will be created in " + ui.dir)
	where.Wrapping = fyne.TextWrapWord
	where.SizeName = theme.SizeNameCaptionText
	form := container.NewVBox(intro, s.pass1, s.pass2, s.strength, s.hint, s.button, s.why, s.status, where)
	s.content = container.NewPadded(container.NewVScroll(form))

	s.code = widget.NewLabel("")
	s.code.Wrapping = fyne.TextWrapWord // between groups, never inside one
	s.code.TextStyle.Monospace = true
	s.code.Selectable = true
	s.codeBg = canvas.NewRectangle(color.Transparent)
	s.copyCode = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), s.onCopyCode)
	s.saveCode = widget.NewButtonWithIcon("Save to file…", theme.DocumentSaveIcon(), s.onSaveCode)
	s.saved = widget.NewCheck("I have saved the recovery code somewhere safe", func(on bool) {
		if on {
			s.cont.Enable()
		} else {
			s.cont.Disable()
		}
	})
	s.cont = widget.NewButton("Continue", s.onContinue)
	s.cont.Importance = widget.HighImportance
	s.cont.Disable()
	explain := widget.NewLabel("This is your recovery code. It opens the vault if you forget the passphrase, with Tessera or with the age tool. It is shown only now: write it down or print it, and keep it apart from this computer.")
	explain.Wrapping = fyne.TextWrapWord
	block := container.NewStack(s.codeBg, container.NewPadded(s.code))
	s.recovered = container.NewPadded(container.NewVBox(explain, block,
		container.NewGridWithColumns(2, s.copyCode, s.saveCode), s.saved, s.cont))
	s.onChanged()
	return s
}

// onChanged updates the meter, the hint and the button as the passphrases
// are typed; an earlier failure's message goes, as it no longer applies.
func (s *createScreen) onChanged() {
	score, verdict, hint := passphraseStrength(s.pass1.Text)
	s.strength.set(score, verdict, verdictColour(verdict))
	if s.pass2.Text != "" && s.pass2.Text != s.pass1.Text {
		hint = "The two passphrases differ."
	}
	s.hint.SetText(hint)
	if !s.busy {
		s.status.SetText("")
		s.status.Hide()
	}
	why := ""
	switch {
	case utf8.RuneCountInString(s.pass1.Text) < vault.MinPassphraseLen:
		why = fmt.Sprintf("Create needs a passphrase of at least %d characters.", vault.MinPassphraseLen)
	case vault.CheckPassphrase(s.pass1.Text) != nil:
		why = "Create is off until the hint above accepts the passphrase."
	case s.pass2.Text == "":
		why = "Create needs the passphrase typed a second time."
	case s.pass2.Text != s.pass1.Text:
		why = "Create needs the two passphrases to match."
	}
	s.why.SetText(why)
	if why == "" {
		s.why.Hide()
		s.button.Enable()
	} else {
		s.why.Show()
		s.button.Disable()
	}
}

// onCreate makes the vault away from the UI (the key derivation takes about
// a second), then shows the recovery code.
func (s *createScreen) onCreate() {
	if s.busy {
		return
	}
	p := s.pass1.Text
	if err := vault.CheckPassphrase(p); err != nil {
		s.fail(err)
		return
	}
	switch {
	case p != s.pass2.Text:
		s.fail(errors.New("the two passphrases differ"))
		return
	}
	s.busy = true
	s.button.Disable()
	s.status.Importance = widget.MediumImportance
	s.status.SetText("Creating the vault…")
	s.status.Show()
	dir, opts := s.ui.dir, s.ui.cfg.Vault
	s.ui.cfg.Go(func() {
		v, code, err := vault.Create(dir, p, opts)
		releaseKeyDerivation()
		fyne.Do(func() { s.created(v, code, err) })
	})
}

func (s *createScreen) created(v *vault.Vault, code string, err error) {
	s.busy = false
	if err != nil {
		s.button.Enable()
		s.fail(err)
		return
	}
	s.pass1.SetText("")
	s.pass2.SetText("")
	s.status.Hide()
	s.ui.vault = v
	s.secret = code
	s.code.SetText(groupRecoveryCode(code))
	s.codeBg.FillColor = theme.Color(theme.ColorNameInputBackground)
	s.codeBg.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	s.codeBg.Refresh()
	s.saved.SetChecked(false)
	s.ui.show(s.recovered, nil)
}

func (s *createScreen) onContinue() {
	if !s.saved.Checked {
		return
	}
	s.code.SetText("")
	s.secret = ""
	s.ui.onUnlocked()
}

// recoveryPrefix starts every recovery code (an age identity).
const recoveryPrefix = "AGE-SECRET-KEY-1"

// groupRecoveryCode writes a recovery code in groups of four after its
// prefix, so that it wraps between groups and is copied onto paper without
// losing one's place; the vault reads it back with or without the spaces.
func groupRecoveryCode(code string) string {
	rest, ok := strings.CutPrefix(code, recoveryPrefix)
	if !ok {
		return code
	}
	var b strings.Builder
	b.WriteString(recoveryPrefix)
	for i := 0; i < len(rest); i += 4 {
		b.WriteByte(' ')
		b.WriteString(rest[i:min(i+4, len(rest))])
	}
	return b.String()
}

// onCopyCode puts the recovery code on the clipboard, cleared after the
// usual time, as the secret it is.
func (s *createScreen) onCopyCode() {
	clearAfter := s.ui.prefs.clearAfter()
	s.ui.clip.Copy(s.secret, clearAfter)
	msg := "Copied the recovery code. Paste it into your password manager or a file you keep apart from this computer."
	if clearAfter > 0 {
		msg += fmt.Sprintf(" The clipboard is cleared in %d s.", int(clearAfter/time.Second))
	}
	s.ui.toast.show(msg, 2*toastTime, "", nil)
}

// onSaveCode writes the recovery code to a file the person picks, readable
// only by them.
func (s *createScreen) onSaveCode() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			s.ui.toast.show("Cannot save the recovery code: "+err.Error(), 2*toastTime, "", nil)
			return
		}
		if w == nil {
			return // cancelled
		}
		path := w.URI().Path()
		w.Close()
		if err := s.saveCodeTo(path); err != nil {
			s.ui.toast.show("Cannot save the recovery code: "+err.Error(), 2*toastTime, "", nil)
			return
		}
		s.ui.toast.show("Saved the recovery code to "+path+". Move it off this computer.", 2*toastTime, "", nil)
	}, s.ui.win)
	d.SetFileName("tessera-recovery-code.txt")
	s.ui.showDialog(d, nil)
}

// saveCodeTo writes the recovery code with how to use it to path, mode
// 0600; `tessera --recovery-code-file` reads it back.
func (s *createScreen) saveCodeTo(path string) error {
	text := fmt.Sprintf("Tessera recovery code for the vault in %s\n\n%s\n\n"+
		"It opens the vault without the passphrase: tessera --recovery-code-file FILE,\n"+
		"or the stock age tool (README, \"Recovery without Tessera\"). Keep it away\n"+
		"from the computer that holds the vault.\n", s.ui.dir, s.secret)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600) // an existing file keeps its mode otherwise
}

func (s *createScreen) fail(err error) {
	s.status.Importance = widget.DangerImportance
	s.status.SetText("Could not create the vault: " + err.Error())
	s.status.Show()
}

// passphraseStrength estimates a passphrase's strength from its length and
// the kinds of characters in it: a score from 0 to 1, a word for the meter
// and a hint to show. It is a rough guide, not a measure of guessability.
func passphraseStrength(p string) (score float64, verdict, hint string) {
	if p == "" {
		return 0, "", "Use four or more unrelated words, or 12 or more mixed characters."
	}
	var lower, upper, digit, other bool
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	alphabet := 0
	for _, k := range []struct {
		on bool
		n  int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if k.on {
			alphabet += k.n
		}
	}
	bits := float64(len([]rune(p))) * math.Log2(float64(alphabet))
	if words := len(strings.Fields(p)); words >= 4 {
		bits = max(bits, float64(words)*11) // words from a large list
	}
	score = max(min(bits/80, 1), 0.05) // something typed always shows
	switch {
	case utf8.RuneCountInString(p) < vault.MinPassphraseLen:
		verdict, hint = "Too short", fmt.Sprintf("Too short: at least %d characters.", vault.MinPassphraseLen)
		score = min(score, refusedScore)
	case vault.CheckPassphrase(p) != nil:
		verdict, hint = "Not accepted", "Not accepted: "+strings.TrimPrefix(vault.CheckPassphrase(p).Error(), vault.ErrWeakPassphrase.Error()+": ")+"."
		score = min(score, refusedScore)
	case bits < 40:
		verdict, hint = "Weak", "Weak: add more words or characters."
	case bits < 60:
		verdict, hint = "Fair", "Fair: a few more words would make it strong."
	default:
		verdict, hint = "Strong", "Strong."
	}
	return score, verdict, hint
}

// refusedScore is the most of the meter a passphrase that
// vault.CheckPassphrase refuses may fill, however varied its characters.
const refusedScore = 0.25

// verdictColour is the meter's colour for a verdict of passphraseStrength:
// the error colour for a passphrase the vault refuses, the warning colour
// for a weak one, the success colour for a strong one.
func verdictColour(verdict string) fyne.ThemeColorName {
	switch verdict {
	case "Too short", "Not accepted":
		return theme.ColorNameError
	case "Weak":
		return theme.ColorNameWarning
	case "Strong":
		return theme.ColorNameSuccess
	}
	return theme.ColorNamePrimary
}

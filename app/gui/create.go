package gui

import (
	"errors"
	"math"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/vault"
)

// minPassphrase is the shortest passphrase the create screen accepts.
const minPassphrase = 8

// createScreen makes a vault on the first run: the passphrase twice with a
// strength hint, then the recovery code, shown once.
type createScreen struct {
	ui *UI

	pass1, pass2 *keyEntry
	strength     *widget.ProgressBar
	hint         *widget.Label
	button       *widget.Button
	status       *widget.Label
	content      fyne.CanvasObject

	// The recovery step.
	code      *widget.Entry
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
	s.strength = widget.NewProgressBar()
	s.strength.TextFormatter = func() string { return "" }
	s.hint = widget.NewLabel("")
	s.hint.Wrapping = fyne.TextWrapWord
	s.hint.SizeName = "captionText"
	s.button = widget.NewButton("Create vault", s.onCreate)
	s.button.Importance = widget.HighImportance
	s.button.Disable()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Importance = widget.DangerImportance
	intro := widget.NewLabel("Welcome to Tessera. Choose a passphrase for your new vault. It encrypts everything Tessera keeps; nobody can recover it for you.")
	intro.Wrapping = fyne.TextWrapWord
	where := widget.NewLabel("The vault will be created in " + ui.dir)
	where.Wrapping = fyne.TextWrapWord
	where.SizeName = "captionText"
	form := container.NewVBox(intro, s.pass1, s.pass2, s.strength, s.hint, s.button, s.status, where)
	s.content = container.NewPadded(container.NewVScroll(form))

	s.code = widget.NewMultiLineEntry()
	s.code.Wrapping = fyne.TextWrapBreak
	s.code.TextStyle.Monospace = true
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
	s.recovered = container.NewPadded(container.NewVBox(explain, s.code, s.saved, s.cont))
	return s
}

func (s *createScreen) onChanged() {
	score, hint := passphraseStrength(s.pass1.Text)
	s.strength.SetValue(score)
	switch {
	case s.pass2.Text != "" && s.pass2.Text != s.pass1.Text:
		hint = "The two passphrases differ."
	}
	s.hint.SetText(hint)
	if len([]rune(s.pass1.Text)) >= minPassphrase && s.pass1.Text == s.pass2.Text {
		s.button.Enable()
	} else {
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
	switch {
	case len([]rune(p)) < minPassphrase:
		s.fail(errors.New("the passphrase needs at least 8 characters"))
		return
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
	s.code.SetText(code)
	s.saved.SetChecked(false)
	s.ui.show(s.recovered, nil)
}

func (s *createScreen) onContinue() {
	if !s.saved.Checked {
		return
	}
	s.code.SetText("")
	s.ui.onUnlocked()
}

func (s *createScreen) fail(err error) {
	s.status.Importance = widget.DangerImportance
	s.status.SetText("Could not create the vault: " + err.Error())
	s.status.Show()
}

// passphraseStrength estimates a passphrase's strength from its length and
// the kinds of characters in it: a score from 0 to 1 and a hint to show.
// It is a rough guide, not a measure of guessability.
func passphraseStrength(p string) (score float64, hint string) {
	if p == "" {
		return 0, "Use four or more unrelated words, or 12 or more mixed characters."
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
	score = min(bits/80, 1)
	switch {
	case len([]rune(p)) < minPassphrase:
		hint = "Too short: at least 8 characters."
	case bits < 40:
		hint = "Weak: add more words or characters."
	case bits < 60:
		hint = "Fair: a few more words would make it strong."
	default:
		hint = "Strong."
	}
	return score, hint
}

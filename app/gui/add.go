package gui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/clipboard"
	"github.com/tessera-auth/tessera/app/filechooser"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/vault"
)

// maxImageFile caps the image files the add screen reads.
const maxImageFile = 64 << 20

// Kind choices of the manual form.
const (
	kindTOTP  = "TOTP (time-based)"
	kindHOTP  = "HOTP (counter-based)"
	kindSteam = "Steam Guard"
	kindToken = "API token"
)

// addScreen adds entries: by scanning the screen, from an image file (also
// dropped on the window), from the clipboard, or typed in by hand.
type addScreen struct {
	ui *UI

	scan, open, paste *escapeButton
	status            *widget.Label

	kind      *widget.Select
	issuer    *keyEntry
	account   *keyEntry
	secret    *keyEntry
	algorithm *widget.Select
	digits    *keyEntry
	period    *keyEntry
	counter   *keyEntry
	url       *keyEntry
	expires   *keyEntry
	form      *widget.Form    // the fields of the chosen kind, made anew for each kind
	formBox   *fyne.Container // where the form sits
	content   fyne.CanvasObject
}

func newAddScreen(ui *UI) *addScreen {
	s := &addScreen{ui: ui}
	// Escape leaves for the list from these too: the screen opens with the
	// keyboard on Scan screen, and a button keeps Escape to itself.
	s.scan = newEscapeButton("Scan screen", theme.ViewFullScreenIcon(), s.onScan, ui.showList)
	s.open = newEscapeButton("Open file…", theme.FileImageIcon(), s.onOpen, ui.showList)
	s.paste = newEscapeButton("Paste", theme.ContentPasteIcon(), s.onPaste, ui.showList)
	s.status = widget.NewLabel(addHint)
	s.status.Wrapping = fyne.TextWrapWord

	s.kind = widget.NewSelect([]string{kindTOTP, kindHOTP, kindSteam, kindToken}, func(string) { s.onKind() })
	field := func() *keyEntry { return newFormEntry(ui, func() { submitForm(s.form, s.onSubmit) }, false) }
	s.issuer = field()
	s.issuer.SetPlaceHolder("Example Inc.")
	s.account = field()
	s.account.SetPlaceHolder("alice@example.com")
	s.secret = field()
	s.secret.SetPlaceHolder("JBSW Y3DP EHPK 3PXP")
	s.algorithm = widget.NewSelect([]string{"SHA1", "SHA256", "SHA512"}, nil)
	s.digits = field()
	s.period = field()
	s.counter = field()
	s.url = field()
	s.url.SetPlaceHolder("https://example.com/settings/tokens")
	s.expires = field()
	s.expires.SetPlaceHolder("YYYY-MM-DD, empty if it does not expire")
	s.issuer.Validator = s.validateIssuer
	s.secret.Validator = s.validateSecret
	s.digits.Validator = intRange("digits", otp.MinDigits, otp.MaxDigits)
	s.period.Validator = intRange("period", 1, otp.MaxPeriod)
	s.counter.Validator = intRange("counter", 0, 1<<53)
	s.expires.Validator = validateDate

	s.formBox = container.NewStack()
	s.reset()
	back := ui.newIconButton(theme.NavigateBackIcon(), "Back to the list (Escape)", ui.showList)
	title := widget.NewLabel("Add an entry")
	title.TextStyle.Bold = true
	head := container.NewBorder(nil, nil, back, nil, title)
	sources := container.NewGridWithColumns(3, s.scan, s.open, s.paste)
	manual := widget.NewLabel("Or type the details:")
	manual.TextStyle.Bold = true
	bar := newFormBar("Back", ui.showList, "Add", func() { submitForm(s.form, s.onSubmit) })
	s.content = container.NewBorder(head, bar, nil, nil,
		container.NewVScroll(container.NewPadded(container.NewVBox(sources, s.status, widget.NewSeparator(), manual, s.formBox))))
	return s
}

// steamIssuer is the issuer a Steam Guard entry starts with.
const steamIssuer = "Steam"

// reset empties the form for a new entry.
func (s *addScreen) reset() {
	for _, e := range []*keyEntry{s.issuer, s.account, s.secret, s.url, s.expires} {
		e.SetText("")
	}
	s.kind.SetSelected(kindTOTP)
	s.onKind()
}

// onKind shows exactly the fields of the chosen kind, with its defaults
// and hints. Fyne's Form keeps the widgets it first laid out when its
// items change (a token's URL row showed the algorithm list), so each kind
// gets a form of its own.
func (s *addScreen) onKind() {
	kind := s.kind.Selected
	token := kind == kindToken
	s.digits.SetText(strconv.Itoa(otp.DefaultDigits))
	s.period.SetText(strconv.Itoa(otp.DefaultPeriod))
	s.counter.SetText("0")
	s.algorithm.SetSelected("SHA1")
	s.secret.Password = token
	s.secret.Refresh()

	item := func(label string, w fyne.CanvasObject, hint string) *widget.FormItem {
		it := widget.NewFormItem(label, w)
		it.HintText = hint
		return it
	}
	items := []*widget.FormItem{item("Kind", s.kind, "")}
	switch kind {
	case kindToken:
		items = append(items,
			item("Name", s.issuer, "what the token is for"),
			item("Account", s.account, "optional: the user or project it belongs to"),
			item("Token", s.secret, "the token's value, kept encrypted"),
			item("URL", s.url, "optional: where the token is used or managed"),
			item("Expires", s.expires, "optional: YYYY-MM-DD; empty: never"))
	default:
		items = append(items,
			item("Issuer", s.issuer, "who gave you the secret"),
			item("Account", s.account, "your user name there"),
			item("Secret", s.secret, "the setup key, in base32"))
	}
	switch kind {
	case kindTOTP:
		items = append(items,
			item("Algorithm", s.algorithm, "SHA1 unless the service says otherwise"),
			item("Digits", s.digits, "6 for most services"),
			item("Period (s)", s.period, "how long each code lasts; 30 for most"))
	case kindHOTP:
		items = append(items,
			item("Algorithm", s.algorithm, "SHA1 unless the service says otherwise"),
			item("Digits", s.digits, "6 for most services"),
			item("Counter", s.counter, "the next code's counter; 0 when new"))
	case kindSteam:
		if strings.TrimSpace(s.issuer.Text) == "" {
			s.issuer.SetText(steamIssuer)
		}
		items[len(items)-1].HintText = "base32; Steam codes: 5 characters, 30 s each"
	}
	if kind != kindSteam && s.issuer.Text == steamIssuer {
		s.issuer.SetText("") // Steam's default, not the person's
	}
	s.form = &widget.Form{Items: items} // its buttons are the screen's bar
	s.formBox.Objects = []fyne.CanvasObject{s.form}
	s.formBox.Refresh()
}

func (s *addScreen) validateIssuer(v string) error {
	if s.kind.Selected == kindToken && strings.TrimSpace(v) == "" {
		return errors.New("give the token a name")
	}
	return nil
}

func (s *addScreen) validateSecret(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("required")
	}
	if s.kind.Selected == kindToken {
		return nil
	}
	_, err := otp.DecodeSecret(v)
	return fieldError(err)
}

// fieldShorter rewrites the long phrasings of field errors. A form shows a
// field's error on one line that never wraps, so a long one made the window
// wider as it appeared (460 -> 520 px for a mistyped secret).
var fieldShorter = strings.NewReplacer(
	"otp: ", "",
	", which is not base32 (A-Z, 2-7)", " (not base32)",
	", a length no whole number of bytes encodes", ": a wrong length",
)

// fieldError is err as a form shows it under a field: short enough for the
// smallest window (a test types every kind of mistake).
func fieldError(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(fieldShorter.Replace(err.Error()))
}

func intRange(name string, lo, hi int) fyne.StringValidator {
	return func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s must be a whole number", name)
		}
		if n < lo || n > hi {
			return fmt.Errorf("%s must be from %d to %d", name, lo, hi)
		}
		return nil
	}
}

func validateDate(v string) error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, strings.TrimSpace(v)); err != nil {
		return errors.New("use the form 2026-12-31")
	}
	return nil
}

// entry builds the entry the form describes.
func (s *addScreen) entry() (vault.Entry, error) {
	e := vault.Entry{Issuer: strings.TrimSpace(s.issuer.Text), Account: strings.TrimSpace(s.account.Text)}
	if s.kind.Selected == kindToken {
		e.Kind = vault.KindToken
		e.Token.Value = []byte(strings.TrimSpace(s.secret.Text))
		e.Token.URL = strings.TrimSpace(s.url.Text)
		if d := strings.TrimSpace(s.expires.Text); d != "" {
			t, err := time.Parse(time.DateOnly, d)
			if err != nil {
				return e, fmt.Errorf("expires: %w", err)
			}
			e.Token.Expires = t
		}
		return e, nil
	}
	key, err := otp.DecodeSecret(s.secret.Text)
	if err != nil {
		return e, fmt.Errorf("secret: %w", err)
	}
	alg, err := otp.ParseAlgorithm(s.algorithm.Selected)
	if err != nil {
		return e, fmt.Errorf("algorithm: %w", err)
	}
	c := otp.Credential{Secret: key, Algorithm: alg, Issuer: e.Issuer, Account: e.Account}
	c.Digits, _ = strconv.Atoi(strings.TrimSpace(s.digits.Text))
	c.Period, _ = strconv.Atoi(strings.TrimSpace(s.period.Text))
	switch s.kind.Selected {
	case kindHOTP:
		c.Kind, c.Period = otp.HOTP, 0
		c.Counter, _ = strconv.ParseUint(strings.TrimSpace(s.counter.Text), 10, 64)
	case kindSteam:
		c.Kind, c.Digits, c.Period = otp.Steam, otp.SteamDigits, otp.DefaultPeriod
	}
	if err := c.Validate(); err != nil {
		return e, err
	}
	e.OTP = c
	return e, nil
}

func (s *addScreen) onSubmit() {
	s.ui.touch()
	e, err := s.entry()
	if err != nil {
		s.setStatus(err.Error(), true)
		return
	}
	if s.ui.addEntries([]vault.Entry{e}) > 0 {
		s.reset()
	}
}

func (s *addScreen) setStatus(msg string, bad bool) {
	s.status.Importance = widget.MediumImportance
	if bad {
		s.status.Importance = widget.DangerImportance
	}
	s.status.SetText(msg)
}

// onScan hides Tessera's window, captures the screen, shows the window
// again and reads the QR codes in the capture.
func (s *addScreen) onScan() {
	s.ui.touch()
	s.setStatus("Scanning the screen…", false)
	s.ui.win.Hide()
	// Give the window system a moment to take the window off the screen.
	s.ui.clock.AfterFunc(400*time.Millisecond, func() {
		s.ui.cfg.Go(func() {
			texts, err := scanScreen()
			fyne.Do(func() {
				s.ui.win.Show()
				if err != nil {
					s.setStatus(err.Error(), true)
					return
				}
				s.ui.takeTexts(texts, "the screen")
			})
		})
	})
}

// chooseFile asks the desktop's file chooser; tests replace it.
var chooseFile = filechooser.Open

// openFilters are what the file chooser offers: images of QR codes, and
// other apps' exports, which have too many names to list.
var openFilters = []filechooser.Filter{
	{Name: "Images", Patterns: []string{"*.png", "*.jpg", "*.jpeg", "*.gif", "*.bmp", "*.webp"}},
	{Name: "All files (other apps' exports)", Patterns: []string{"*"}},
}

// onOpen picks an image or another app's export file, with the desktop's
// own file chooser where a portal serves one, else Fyne's, and reads it.
func (s *addScreen) onOpen() {
	s.ui.touch()
	s.ui.cfg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute) // a person choosing
		path, err := chooseFile(ctx, os.Getenv, "Open a QR code image or an export file", openFilters)
		cancel()
		fyne.Do(func() {
			switch {
			case errors.Is(err, filechooser.ErrNoPortal):
				s.openWithFyne()
			case errors.Is(err, filechooser.ErrCancelled):
			case err != nil:
				s.setStatus("Cannot open the file: "+err.Error(), true)
			default:
				r, err := storage.Reader(storage.NewFileURI(path))
				if err != nil {
					s.setStatus("Cannot open the file: "+err.Error(), true)
					return
				}
				defer r.Close()
				s.ui.addFromFile(filepath.Base(path), r)
			}
		})
	})
}

// openWithFyne picks a file with Fyne's own dialog.
func (s *addScreen) openWithFyne() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.setStatus("Cannot open the file: "+err.Error(), true)
			return
		}
		if r == nil {
			return
		}
		defer r.Close()
		s.ui.addFromFile(r.URI().Name(), r)
	}, s.ui.win)
	s.ui.showDialog(d, nil)
}

// onPaste takes an otpauth link or an image from the clipboard.
func (s *addScreen) onPaste() {
	s.ui.touch()
	text := strings.TrimSpace(s.ui.app.Clipboard().Content())
	if text != "" {
		s.ui.takeTexts(strings.Fields(text), "the clipboard")
		return
	}
	// The image comes from the program that copied it, which may be slow
	// to answer: ask off the UI goroutine.
	s.setStatus("Reading the image on the clipboard…", false)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), clipboardImageTimeout)
		img, err := clipboard.Image(ctx, os.Getenv)
		cancel()
		fyne.Do(func() {
			switch {
			case errors.Is(err, clipboard.ErrNoImage):
				s.setStatus("The clipboard holds neither an otpauth:// link nor an image.", true)
			case err != nil:
				s.setStatus("Cannot read the clipboard: "+err.Error(), true)
			default:
				s.ui.addFromImage("the clipboard image", bytes.NewReader(img))
			}
		})
	}()
}

// clipboardImageTimeout bounds the wait for the program that copied an
// image to hand it over.
const clipboardImageTimeout = 5 * time.Second

// addHint is what the add screen says before anything is tried.
const addHint = "Scan a QR code shown on screen, open or drop an image of one (or another app's export file), paste an otpauth:// link or a QR image (Ctrl+V), or type the details below."

// clipboardMayHoldCredential reports whether Ctrl+V should add from the
// clipboard rather than paste text: it holds an otpauth or
// otpauth-migration link (even a broken one, whose error the add screen
// then shows), or no text, so perhaps an image.
func (u *UI) clipboardMayHoldCredential() bool {
	text := strings.TrimSpace(u.app.Clipboard().Content())
	if text == "" {
		return true
	}
	k := qr.Classify(text).Kind
	return k == qr.OTP || k == qr.Migration
}

// pasteToAdd opens the add screen and adds what the clipboard holds.
func (u *UI) pasteToAdd() {
	u.showAdd()
	if u.add != nil && u.current == u.add.content {
		u.add.onPaste()
	}
}

// showAdd opens the add screen.
func (u *UI) showAdd() {
	u.touch()
	if !u.unlocked() {
		return
	}
	if u.add == nil {
		u.add = newAddScreen(u)
	}
	u.add.setStatus(addHint, false)
	// The keyboard starts on "Scan screen": Ctrl+N then Space scans the
	// code already on screen, the usual case on a desktop. Tab reaches the
	// other sources and the form.
	u.show(u.add.content, u.add.scan)
}

// onDropped adds the QR codes of image files dropped on the window, or
// the accounts of other apps' export files.
func (u *UI) onDropped(_ fyne.Position, uris []fyne.URI) {
	u.touch()
	if !u.unlocked() {
		u.toast.show("Unlock the vault first, then drop the image again.", toastTime, "", nil)
		return
	}
	for _, uri := range uris {
		r, err := storage.Reader(uri)
		if err != nil {
			u.toast.show(fmt.Sprintf("Cannot read %s: %v", uri.Name(), err), 2*toastTime, "", nil)
			continue
		}
		u.addFromFile(uri.Name(), r)
		r.Close()
	}
}

// addFromImage reads the QR codes in an image and adds their credentials.
func (u *UI) addFromImage(name string, r io.Reader) {
	texts, err := qr.Decode(io.LimitReader(r, maxImageFile))
	if err != nil {
		u.report(fmt.Sprintf("%s: %v", name, err), true)
		return
	}
	u.takeTexts(texts, name)
}

// report shows a message on the add screen if it is open, else as a toast.
func (u *UI) report(msg string, bad bool) {
	if u.add != nil && u.current == u.add.content {
		u.add.setStatus(msg, bad)
		return
	}
	u.toast.show(msg, 2*toastTime, "", nil)
}

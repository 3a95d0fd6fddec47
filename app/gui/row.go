package gui

import (
	"fmt"
	"image/color"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/codeview"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// expiryWarning is how long before a token's expiry its row shows a badge.
const expiryWarning = 14 * 24 * time.Hour

// row is one line of the main list. Rows are recycled by the list: bind
// points one at an entry, updateCode keeps its code current, and bindHeader
// makes it a section's heading when the list is grouped by tag.
type row struct {
	s  *listScreen
	id string // the entry shown; empty on a heading

	header *widget.Label // the section's name, shown only on a heading
	left   fyne.CanvasObject
	names  fyne.CanvasObject
	right  fyne.CanvasObject

	icon    *iconView
	issuer  *widget.Label
	account *widget.Label
	badge   *widget.Label // a token's expiry, beside its name
	chips   []*chip       // the entry's tags, the last one "+N" for the rest
	code    *canvas.Text
	ring    *countdownRing // TOTP and Steam: the time the code has left
	next    *iconButton    // HOTP: take the next code
	reveal  *iconButton    // token: show or hide the value
	copyBtn *iconButton    // token: copy the value
	edit    *iconButton

	codeBox *fyne.Container
	step    uint64 // the TOTP step whose code is on show
	warning bool   // the code is shown in the warning colour
	box     *fyne.Container
}

func (s *listScreen) createRow() fyne.CanvasObject {
	r := &row{s: s}
	r.icon = newIconView(s)
	r.icon.row = r
	r.issuer = widget.NewLabel("")
	r.issuer.TextStyle.Bold = true
	r.issuer.Truncation = fyne.TextTruncateEllipsis
	r.account = widget.NewLabel("")
	r.account.SizeName = theme.SizeNameCaptionText
	r.account.Truncation = fyne.TextTruncateEllipsis
	r.badge = widget.NewLabel("")
	r.badge.Importance = widget.DangerImportance
	r.badge.SizeName = theme.SizeNameCaptionText
	r.code = canvas.NewText("", theme.Color(theme.ColorNamePrimary))
	r.code.TextStyle = fyne.TextStyle{Monospace: true, Bold: true}
	r.code.TextSize = theme.TextSize() * 1.5
	r.next = s.ui.newIconButton(theme.MediaSkipNextIcon(), "Next code (Enter)", func() { s.ui.nextHOTP(r.id) })
	r.reveal = s.ui.newIconButton(theme.VisibilityIcon(), "Show or hide the token", func() { s.toggleReveal(r.id) })
	r.copyBtn = s.ui.newIconButton(theme.ContentCopyIcon(), "Copy (Enter)", func() { s.ui.copyEntry(r.id) })
	r.edit = s.ui.newIconButton(theme.DocumentCreateIcon(), "Edit (Ctrl+E)", func() { s.ui.showEdit(r.id) })
	r.edit.Importance = widget.LowImportance
	r.header = widget.NewLabel("")
	r.header.TextStyle.Bold = true
	r.header.Importance = widget.HighImportance
	r.header.Hide()
	chips := container.NewHBox()
	for range maxChips + 1 {
		c := newChip()
		r.chips = append(r.chips, c)
		chips.Add(c.box)
	}
	r.names = container.NewVBox(container.New(nameLine{r.issuer}, r.issuer, r.badge),
		container.NewBorder(nil, nil, nil, container.NewCenter(chips), r.account))
	r.codeBox = container.NewCenter(r.code)
	r.ring = newCountdownRing()
	// The buttons keep their own height, centred, rather than the row's.
	buttons := container.NewCenter(container.NewHBox(r.next, r.reveal, r.copyBtn))
	r.right = container.NewHBox(container.NewCenter(container.NewPadded(r.ring.box)), r.codeBox, buttons, container.NewCenter(r.edit))
	r.left = container.NewCenter(r.icon)
	r.box = container.NewBorder(r.header, nil, r.left, r.right, r.names)
	r.box.Layout = rowLayout{r.box.Layout, r}
	// The list makes a row to measure its height at each refresh: the
	// template's height is that of every entry, a heading's is the label's.
	s.rowHeight = r.box.MinSize().Height
	s.headHeight = r.header.MinSize().Height
	return r.box
}

// rowLayout is a row's layout, carrying the row so that the list's
// recycled objects lead back to it without a table that would keep every
// row the list ever made (it makes one at each refresh to measure).
type rowLayout struct {
	border fyne.Layout
	r      *row
}

// Layout implements fyne.Layout.
func (l rowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) { l.border.Layout(objs, size) }

// MinSize implements fyne.Layout. A heading needs its label only: the
// border would add the padding below it that goes before the hidden names.
func (l rowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if l.r.header.Visible() {
		return l.r.header.MinSize()
	}
	return l.border.MinSize(objs)
}

// rowOf returns the row whose box is o.
func rowOf(o fyne.CanvasObject) *row {
	if c, ok := o.(*fyne.Container); ok {
		if l, ok := c.Layout.(rowLayout); ok {
			return l.r
		}
	}
	return nil
}

func (s *listScreen) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	r := rowOf(o)
	if r == nil {
		return
	}
	if name, ok := s.heading(i); ok {
		delete(s.bound, r)
		r.bindHeader(name)
		return
	}
	e := s.entry(i)
	if e == nil {
		return
	}
	s.bound[r] = i
	r.bind(e, s.ui.clock.Now())
}

// bindHeader makes the row the heading of a section.
func (r *row) bindHeader(name string) {
	r.id = ""
	r.header.SetText(name)
	r.header.Show()
	r.left.Hide()
	r.names.Hide()
	r.right.Hide()
}

// bind shows entry e in the row.
func (r *row) bind(e *vault.Entry, now time.Time) {
	r.id = e.ID
	if r.header.Visible() {
		r.header.Hide()
		r.left.Show()
		r.names.Show()
		r.right.Show()
	}
	r.icon.bind(e)
	issuer := e.Issuer
	if e.Favourite {
		issuer = "★ " + issuer
	}
	r.issuer.SetText(issuer)
	account := e.Account
	if e.Kind == vault.KindOTP && e.OTP.EffectivePeriod() != 0 && e.OTP.EffectivePeriod() != otp.DefaultPeriod {
		account = strings.TrimSpace(account + fmt.Sprintf("  · %d s", e.OTP.EffectivePeriod()))
	}
	r.account.SetText(account)
	r.bindChips(e.Tags)
	r.badge.Hide()
	r.next.Hide()
	r.reveal.Hide()
	r.copyBtn.Hide()
	r.ring.box.Hide()
	r.ring.shown = -1
	switch {
	case e.Kind == vault.KindToken:
		r.reveal.Show()
		r.copyBtn.Show()
		if r.s.revealed[e.ID] {
			r.reveal.SetIcon(theme.VisibilityOffIcon())
		} else {
			r.reveal.SetIcon(theme.VisibilityIcon())
		}
		if !e.Token.Expires.IsZero() {
			left := e.Token.Expires.Sub(now)
			switch {
			case left <= 0:
				r.badge.SetText("expired")
				r.badge.Show()
			case left < expiryWarning:
				days := int((left + 24*time.Hour - 1) / (24 * time.Hour))
				r.badge.SetText("expires in " + plural(days, "day"))
				r.badge.Show()
			}
		}
	case e.OTP.Kind == otp.HOTP:
		r.next.Show()
	default:
		r.ring.box.Show()
	}
	r.step = ^uint64(0)
	r.updateCode(e, now)
}

// updateCode sets the row's code for instant now, refreshing the text only
// if it changed.
// codeColour is the colour of a code: the theme's primary colour, its
// warning colour in the last seconds.
func codeColour(warn bool) color.Color {
	if warn {
		return theme.Color(theme.ColorNameWarning)
	}
	return theme.Color(theme.ColorNamePrimary)
}

// recolour takes the theme's colours, after a theme switch.
func (r *row) recolour() {
	r.code.Color = codeColour(r.warning)
	r.code.Refresh()
	r.ring.recolour()
	for _, c := range r.chips {
		c.recolour()
	}
}

// nameLine lays out an entry's name with its badge right after it: the
// name as wide as its text, truncated only when both do not fit.
type nameLine struct{ name *widget.Label }

// MinSize implements fyne.Layout.
func (l nameLine) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if o.Visible() {
			m := o.MinSize()
			s = fyne.NewSize(s.Width+m.Width, max(s.Height, m.Height))
		}
	}
	return s
}

// Layout implements fyne.Layout.
func (l nameLine) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	name, badge := objs[0], objs[1]
	bw := float32(0)
	if badge.Visible() {
		bw = badge.MinSize().Width
	}
	nameMeasure.Text, nameMeasure.TextStyle = l.name.Text, l.name.TextStyle
	nameMeasure.Refresh()
	nw := max(min(nameMeasure.MinSize().Width+2*theme.Padding(), size.Width-bw), 0) // the truncating label wants a little more room than its text
	name.Move(fyne.NewPos(0, 0))
	name.Resize(fyne.NewSize(nw, size.Height))
	badge.Move(fyne.NewPos(nw, 0))
	badge.Resize(fyne.NewSize(bw, size.Height))
}

// nameMeasure measures names as a label draws them untruncated; used on
// the UI goroutine only.
var nameMeasure = widget.NewLabel("")

// maxChips is how many tags a row shows as chips; a last chip counts the
// rest ("+2").
const maxChips = 2

// bindChips shows tags as chips, at most maxChips and then a count.
func (r *row) bindChips(tags []string) {
	for i, c := range r.chips {
		switch {
		case i < maxChips && i < len(tags):
			c.set(tags[i])
		case i == maxChips && len(tags) > maxChips:
			c.set(fmt.Sprintf("+%d", len(tags)-maxChips))
		default:
			c.box.Hide()
		}
	}
}

// chip is a tag drawn small, on a rounded background.
type chip struct {
	bg   *canvas.Rectangle
	text *canvas.Text
	box  *fyne.Container
}

func newChip() *chip {
	c := &chip{bg: canvas.NewRectangle(color.Transparent), text: canvas.NewText("", color.Transparent)}
	c.text.TextSize = theme.CaptionTextSize()
	c.box = container.NewStack(c.bg, container.New(layout.NewCustomPaddedLayout(1, 1, 6, 6), c.text))
	c.box.Hide()
	c.recolour()
	return c
}

// set shows text in the chip.
func (c *chip) set(text string) {
	if c.text.Text != text {
		c.text.Text = text
		c.text.Refresh()
	}
	c.box.Show()
}

// recolour takes the theme's colours.
func (c *chip) recolour() {
	c.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	c.bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	c.bg.StrokeWidth = 1
	c.bg.CornerRadius = theme.CaptionTextSize()
	c.text.Color = theme.Color(theme.ColorNameForeground)
	c.bg.Refresh()
	c.text.Refresh()
}

func (r *row) updateCode(e *vault.Entry, now time.Time) {
	var text string
	warn := false
	switch {
	case e.Kind == vault.KindToken:
		if r.s.revealed[e.ID] {
			text = ellipsis(string(e.Token.Value), 24)
		} else {
			text = "••••••••"
		}
	case e.OTP.Kind == otp.HOTP:
		text = codeview.Group(r.s.hotpShown[e.ID])
		if text == "" {
			// Dots in the code's grouping until "Next code" is pressed.
			text = strings.ReplaceAll(codeview.Group(strings.Repeat("0", e.OTP.EffectiveDigits())), "0", "•")
		}
	default:
		r.ring.update(e.OTP.EffectivePeriod(), now)
		step := e.OTP.Step(now)
		warn = e.OTP.Remaining(now) < codeview.MinLeft
		if step == r.step && warn == r.warning {
			return
		}
		r.step = step
		code, err := e.OTP.Code(now)
		if err != nil {
			text = "error"
		} else {
			text = codeview.Group(code)
		}
	}
	col := codeColour(warn)
	if text == r.code.Text && warn == r.warning {
		return
	}
	r.warning = warn
	relayout := utf8.RuneCountInString(text) != utf8.RuneCountInString(r.code.Text)
	r.code.Text = text
	r.code.Color = col
	if relayout {
		r.box.Refresh() // the width changed: lay the row out again
	} else {
		r.code.Refresh()
	}
}

func ellipsis(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func (s *listScreen) toggleReveal(id string) {
	s.ui.touch()
	s.revealed[id] = !s.revealed[id]
	s.redraw()
}

// ringSize is the side of an entry's countdown ring.
const ringSize = 18

// countdownRing is an entry's own countdown beside its code: a ring whose
// coloured part is the time the code has left, in countdownGrain steps, in
// the warning colour for the last seconds, when copying takes the next
// code. It changes only when what it shows changes.
type countdownRing struct {
	track, left *canvas.Arc
	box         *fyne.Container
	shown       int // seconds shown; -1 before the first update
	warn        bool
}

func newCountdownRing() *countdownRing {
	c := &countdownRing{shown: -1}
	c.track = canvas.NewArc(0, 360, 0.55, color.Transparent)
	c.left = canvas.NewArc(0, 360, 0.55, color.Transparent)
	c.box = container.NewGridWrap(fyne.NewSquareSize(ringSize), container.NewStack(c.track, c.left))
	return c
}

// update shows the time left of the step of period p at now.
func (c *countdownRing) update(p int, now time.Time) {
	cred := otp.Credential{Period: p}
	left := cred.Remaining(now)
	secs := int((left + time.Second - 1) / time.Second)
	shown := (secs + countdownGrain - 1) / countdownGrain * countdownGrain
	warn := left <= codeview.MinLeft
	if warn {
		shown = int(codeview.MinLeft / time.Second)
	}
	if shown == c.shown && warn == c.warn {
		return
	}
	c.shown, c.warn = shown, warn
	c.left.EndAngle = 360 * float32(shown) / float32(p)
	c.recolour()
}

// fraction returns the part of the ring shown as time left, 0 to 1.
func (c *countdownRing) fraction() float32 { return c.left.EndAngle / 360 }

// recolour takes the theme's colours.
func (c *countdownRing) recolour() {
	c.track.FillColor = theme.Color(theme.ColorNameInputBorder)
	c.left.FillColor = codeColour(c.warn)
	c.track.Refresh()
	c.left.Refresh()
}

// countdownGrain is the step of the countdowns. Each change redraws the
// whole window (Fyne has no partial redraw), which on a software-rendered
// desktop costs about one percent of a core a second, so the countdown
// moves in 5 s steps, and the last 5 s, when a copy takes the next code
// instead, are one state that says so. Measured with `make bench-gui` (200
// entries, 60 s, over a bare Fyne window; the bar is 0.5 points):
// a countdown by the second added 1.12 points; 5 s steps with the last 5 s
// by the second 0.28 to 0.52 over six runs; 5 s steps with the last 5 s as
// one state 0.23 and 0.33 in two runs.
const countdownGrain = 5

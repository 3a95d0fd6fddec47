package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// strengthMeter shows what the create screen thinks of a new passphrase: a
// neutral track, empty until something is typed, filled as far as the score
// in the colour of the verdict, with the verdict in words beside it. Fyne's
// ProgressBar was used before; its track is tinted with the primary colour,
// so an empty meter looked like a full blue bar.
type strengthMeter struct {
	widget.BaseWidget
	score   float64             // 0 to 1
	verdict string              // "" while nothing is typed
	colour  fyne.ThemeColorName // the fill's colour
}

// meterTrackHeight is the height of the meter's bar.
const meterTrackHeight = 6

// meterWords are the verdicts the meter can show; its width fits the
// longest, so the bar keeps its length as the verdict changes.
var meterWords = []string{"Too short", "Not accepted", "Weak", "Fair", "Strong"}

func newStrengthMeter() *strengthMeter {
	m := &strengthMeter{}
	m.ExtendBaseWidget(m)
	return m
}

// set shows a score from 0 to 1 with its verdict, filled in colour; an
// empty verdict empties the meter.
func (m *strengthMeter) set(score float64, verdict string, colour fyne.ThemeColorName) {
	m.score, m.verdict, m.colour = min(max(score, 0), 1), verdict, colour
	if verdict == "" {
		m.score = 0
	}
	m.Refresh()
}

// CreateRenderer draws the track, the fill and the word.
func (m *strengthMeter) CreateRenderer() fyne.WidgetRenderer {
	r := &meterRenderer{m: m, track: &canvas.Rectangle{}, fill: &canvas.Rectangle{}, word: &canvas.Text{}}
	r.Refresh()
	return r
}

type meterRenderer struct {
	m           *strengthMeter
	track, fill *canvas.Rectangle
	word        *canvas.Text
}

func (r *meterRenderer) wordWidth() float32 {
	w := float32(0)
	for _, s := range meterWords {
		w = max(w, fyne.MeasureText(s, r.word.TextSize, r.word.TextStyle).Width)
	}
	return w
}

func (r *meterRenderer) Layout(size fyne.Size) {
	pad := theme.Padding()
	ww := r.wordWidth()
	barW := max(size.Width-ww-pad*2, 0)
	y := (size.Height - meterTrackHeight) / 2
	r.track.Move(fyne.NewPos(pad, y))
	r.track.Resize(fyne.NewSize(barW, meterTrackHeight))
	r.fill.Move(fyne.NewPos(pad, y))
	r.fill.Resize(fyne.NewSize(barW*float32(r.m.score), meterTrackHeight))
	r.fill.Hidden = r.m.score <= 0
	th := fyne.MeasureText("M", r.word.TextSize, r.word.TextStyle).Height
	r.word.Move(fyne.NewPos(size.Width-ww, (size.Height-th)/2))
	r.word.Resize(fyne.NewSize(ww, th))
}

func (r *meterRenderer) MinSize() fyne.Size {
	h := fyne.MeasureText("M", r.word.TextSize, r.word.TextStyle).Height
	return fyne.NewSize(r.wordWidth()+theme.Padding()*2+60, max(h, meterTrackHeight))
}

func (r *meterRenderer) Refresh() {
	th := r.m.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.track.FillColor = th.Color(theme.ColorNameInputBackground, v)
	r.track.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
	r.track.StrokeWidth = 1
	r.track.CornerRadius = meterTrackHeight / 2
	colour := r.m.colour
	if colour == "" {
		colour = theme.ColorNamePrimary
	}
	r.fill.FillColor = th.Color(colour, v)
	r.fill.CornerRadius = meterTrackHeight / 2
	r.word.Text = r.m.verdict
	r.word.TextSize = th.Size(theme.SizeNameCaptionText)
	r.word.Color = th.Color(theme.ColorNameForeground, v)
	r.word.Alignment = fyne.TextAlignTrailing
	r.Layout(r.m.Size())
	canvas.Refresh(r.m)
}

func (r *meterRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.track, r.fill, r.word}
}

func (r *meterRenderer) Destroy() {}

package gui

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
)

func TestEditEntry(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showEdit(h.ui.list.entry(0).ID)
	s := h.ui.edit
	s.issuer.SetText("GitHub Enterprise")
	s.tags.SetText("work, , code, work")
	test.Tap(s.favourite)
	s.onSave()
	if h.ui.current != h.ui.list.content {
		t.Fatal("save does not return to the list")
	}
	if !slices.Contains(h.saved(), "GitHub Enterprise: alice@example.com") {
		t.Fatalf("saved vault holds %v", h.saved())
	}
	e := *h.ui.list.entry(0)
	if !slices.Equal(e.Tags, []string{"work", "code"}) || !e.Favourite {
		t.Fatalf("tags %v favourite %v", e.Tags, e.Favourite)
	}
	if !slices.Contains(h.ui.list.group.Options, "code") {
		t.Fatal("the new tag is not offered as a group")
	}
}

func TestDeleteAndUndo(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	id := h.ui.list.entry(0).ID
	h.ui.showEdit(id)
	test.Tap(h.ui.edit.del)
	if slices.Contains(h.saved(), "GitHub: alice@example.com") {
		t.Fatal("deleted entry still saved")
	}
	if h.ui.toast.action.Text != "Undo" || !h.ui.toast.action.Visible() {
		t.Fatal("no undo offered")
	}
	h.clock.Advance(9 * time.Second)
	test.Tap(h.ui.toast.action)
	if !slices.Contains(h.saved(), "GitHub: alice@example.com") {
		t.Fatal("undo did not bring the entry back")
	}
	if _, ok := h.ui.vault.Entry(id); !ok {
		t.Fatal("the restored entry has a new ID")
	}

	// After 10 s the undo is gone.
	h.ui.showEdit(id)
	test.Tap(h.ui.edit.del)
	h.clock.Advance(10 * time.Second)
	if h.ui.toast.message() != "" {
		t.Fatalf("undo toast still shown after 10 s: %q", h.ui.toast.message())
	}
	if slices.Contains(h.saved(), "GitHub: alice@example.com") {
		t.Fatal("entry came back without undo")
	}
}

// A save that fails keeps the edit in memory, says what to do, and a retry
// writes it.
func TestSaveErrorKeepsEdit(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showEdit(h.ui.list.entry(0).ID)
	aside := h.dir + ".aside"
	if err := os.Rename(h.dir, aside); err != nil {
		t.Fatal(err)
	}
	h.ui.edit.issuer.SetText("Renamed")
	h.ui.edit.onSave()
	if h.ui.current != h.ui.edit.content {
		t.Fatal("a failed save left the edit screen")
	}
	if !h.ui.unsaved {
		t.Fatal("the failed change is not marked unsaved")
	}
	overlays := h.win.Canvas().Overlays().List()
	if len(overlays) == 0 {
		t.Fatal("no error shown")
	}
	if !strings.Contains(test.RenderObjectToMarkup(overlays[len(overlays)-1]), "could not be saved") {
		t.Fatal("the dialog does not say the vault could not be saved")
	}
	// Locking now would lose the change: it must not happen.
	h.ui.lock()
	if !h.ui.unlocked() {
		t.Fatal("lock threw away an unsaved change")
	}
	if err := os.Rename(aside, h.dir); err != nil {
		t.Fatal(err)
	}
	if !h.ui.save() {
		t.Fatal("retry failed")
	}
	if !slices.Contains(h.saved(), "Renamed: alice@example.com") {
		t.Fatalf("saved vault holds %v", h.saved())
	}
}

// Another process's save (the CLI) shows up at the next tick.
func TestReloadOnOtherWriter(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	other := newVaultHandle(t, h.dir)
	e := testEntries(t)[0]
	e.Issuer, e.Position = "From CLI", 9
	e.OTP.Secret = secret(t, "ONSWG4TFORZWK3DMMVZXG5DF")
	if _, err := other.Add(e); err != nil {
		t.Fatal(err)
	}
	if err := other.Save(); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Second + 10*time.Millisecond)
	if !slices.Contains(h.shownIssuers(), "From CLI") {
		t.Fatalf("list shows %v after another writer's save", h.shownIssuers())
	}
}

// Show as QR asks first, then shows a code that reads back as the entry's
// URI; locking closes it.
func TestShowAsQR(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	h.ui.showEdit(h.ui.list.entry(0).ID)
	test.Tap(h.ui.edit.qr)
	if h.ui.qrDialog != nil {
		t.Fatal("the QR code is shown without confirmation")
	}
	overlays := h.win.Canvas().Overlays()
	confirm := overlays.Top()
	if confirm == nil || !strings.Contains(test.RenderObjectToMarkup(confirm), "Anyone who sees") {
		t.Fatal("no confirmation that warns about the secret")
	}
	var show *widget.Button
	for _, o := range test.LaidOutObjects(confirm) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Show" {
			show = b
		}
	}
	if show == nil {
		t.Fatal("no Show button in the confirmation")
	}
	test.Tap(show)
	if h.ui.qrDialog == nil {
		t.Fatal("confirming did not show the QR code")
	}
	var img *canvas.Image
	for _, o := range test.LaidOutObjects(overlays.Top()) {
		if i, ok := o.(*canvas.Image); ok && i.Image != nil {
			img = i
		}
	}
	if img == nil {
		t.Fatal("no QR image in the dialog")
	}
	texts := qr.DecodeImage(img.Image)
	if len(texts) != 1 || !strings.Contains(texts[0], "secret="+githubSecret) || !strings.Contains(texts[0], "GitHub") {
		t.Fatalf("the QR code reads %q", texts)
	}
	h.ui.lock()
	if h.ui.qrDialog != nil || overlays.Top() != nil {
		t.Fatal("locking left the QR code on screen")
	}
}

// Dragging an entry's icon down two rows moves it two places.
func TestDragToReorder(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	l := h.ui.list
	icon := h.rowOf(0).icon
	icon.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DY: 10}})
	if l.dropLayer.Visible() {
		t.Fatal("a drop line shows although the entry would stay")
	}
	icon.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DY: -10}})
	for range 4 {
		icon.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DY: 38}})
	}
	// The line lies in the gap under the third row, where GitHub would go.
	d := fyne.CurrentApp().Driver()
	gapTop := d.AbsolutePositionForObject(h.rowOf(2).box).Y + h.rowOf(2).box.Size().Height
	gapBottom := d.AbsolutePositionForObject(h.rowOf(3).box).Y
	line := d.AbsolutePositionForObject(l.list).Y + l.dropLine.Position().Y + l.dropLine.Size().Height/2
	if !l.dropLayer.Visible() || line < gapTop || line > gapBottom {
		t.Fatalf("drop line at y %v (visible %v), want in the gap %v..%v", line, l.dropLayer.Visible(), gapTop, gapBottom)
	}
	icon.DragEnd()
	if l.dropLayer.Visible() {
		t.Fatal("the drop line stays after the drop")
	}
	if got := h.shownIssuers(); got[0] != "GitLab" || got[2] != "GitHub" {
		t.Fatalf("after dragging GitHub down two rows: %v", got)
	}
	if saved := h.saved(); saved[0] == "" {
		t.Fatal("nothing saved")
	}
}

// Edit changes everything an entry has: its secret (masked until
// revealed), digits, period, algorithm, counter, a token's value, URL and
// expiry, each checked as the add form checks it.
func TestEditEveryField(t *testing.T) {
	h := newHarness(t, "")
	h.unlock()
	idOf := func(issuer string) string {
		for _, e := range h.ui.vault.Entries() {
			if e.Issuer == issuer {
				return e.ID
			}
		}
		t.Fatalf("no entry %s", issuer)
		return ""
	}
	s := func() *editScreen { return h.ui.edit }

	h.ui.showEdit(idOf("GitHub"))
	if !s().secret.Password || s().secret.Text != githubSecret {
		t.Fatalf("secret field masked %v, holds the entry's secret %v", s().secret.Password, s().secret.Text == githubSecret)
	}
	if got := formFieldsOf(s().formBox); !slices.Contains(got, fyne.CanvasObject(s().period)) || slices.Contains(got, fyne.CanvasObject(s().counter)) {
		t.Fatal("a TOTP entry's form lacks the period or shows a counter")
	}
	s().digits.SetText("12")
	s().onSave()
	if h.ui.current != s().content {
		t.Fatal("digits 12 were saved")
	}
	s().digits.SetText("8")
	s().period.SetText("60")
	s().algorithm.SetSelected("SHA256")
	s().secret.SetText("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	s().onSave()
	v := newVaultHandle(t, h.dir)
	e, _ := v.Entry(idOf("GitHub"))
	if e.OTP.Digits != 8 || e.OTP.Period != 60 || e.OTP.Algorithm != otp.SHA256 || otp.EncodeSecret(e.OTP.Secret) != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Fatalf("saved %d digits, %d s, %v", e.OTP.Digits, e.OTP.Period, e.OTP.Algorithm)
	}
	code, _ := e.OTP.Code(t0)
	if want := totpAt(t, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", t0, "--totp=SHA256", "--digits=8", "--time-step-size=60s"); code != want {
		t.Fatalf("code %s, oathtool says %s", code, want)
	}

	h.ui.showEdit(idOf("Counter Co"))
	s().counter.SetText("42")
	s().onSave()
	h.ui.showEdit(idOf("CI token"))
	if got := formFieldsOf(s().formBox); !slices.Contains(got, fyne.CanvasObject(s().url)) || slices.Contains(got, fyne.CanvasObject(s().digits)) {
		t.Fatal("a token's form lacks the URL or shows digits")
	}
	s().secret.SetText("tok_new")
	s().url.SetText("https://ci.example.com")
	s().expires.SetText("2032-01-02")
	s().onSave()
	v.Reload()
	hotp, _ := v.Entry(idOf("Counter Co"))
	tok, _ := v.Entry(idOf("CI token"))
	if hotp.OTP.Counter != 42 || string(tok.Token.Value) != "tok_new" || tok.Token.URL != "https://ci.example.com" || tok.Token.Expires.Format("2006-01-02") != "2032-01-02" {
		t.Fatalf("saved counter %d, token URL %q expiry %v", hotp.OTP.Counter, tok.Token.URL, tok.Token.Expires)
	}
	// Locking empties the secret's field.
	h.ui.showEdit(idOf("CI token"))
	h.ui.lock()
	if s().secret.Text != "" {
		t.Fatal("the secret stays in the edit screen while locked")
	}
}

// formFieldsOf returns the objects a form container lays out.
func formFieldsOf(box fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range test.LaidOutObjects(box) {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

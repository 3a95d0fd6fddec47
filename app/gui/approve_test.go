package gui

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback"
)

// TestApprovalDialogs: a pairing and requests reach the person as dialogs
// with the code field focused; Enter approves only the right code, Escape
// denies, and a request that arrives while locked waits for the unlock.
func TestApprovalDialogs(t *testing.T) {
	h := newHarness(t, "")
	svc := h.ui.approvals.svc
	t.Cleanup(svc.Close) // before the vault's folder goes
	svc.SetIssuer("http://127.0.0.1:7787")

	// Locked: the pairing prompt waits for the unlock.
	start, err := svc.StartPairing(approve.PairRequest{Name: "deploy <b>script</b>"}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	if h.ui.approvals.current != nil {
		t.Fatal("a prompt showed over the unlock screen")
	}
	h.unlock()
	ad := h.ui.approvals.current
	if ad == nil || h.focused() != ad.code {
		t.Fatalf("no pairing dialog with the code focused after unlocking (focused %v)", h.focused())
	}
	test.Type(ad.code, "wrong")
	h.press(ad.code, fyne.KeyReturn)
	if ad.status.Text == "" || h.ui.approvals.current != ad {
		t.Fatal("a wrong pairing code was not refused in the dialog")
	}
	test.Type(ad.code, start.UserCode)
	h.press(ad.code, fyne.KeyReturn)
	reg, err := svc.PollPairing(start.PairingID)
	if err != nil {
		t.Fatalf("pairing after the right code: %v", err)
	}
	c, ok := svc.Authenticate(reg.ClientID, reg.ClientSecret)
	if !ok {
		t.Fatal("the paired client does not authenticate")
	}

	ask := func() (approve.AuthAnswer, *approvalDialog) {
		t.Helper()
		ans, err := svc.Authorize(c, map[string]string{"scope": "openid", "login_hint": "alice", "binding_message": "sudo reboot", "context_host": "web-3"}, approve.Caller{})
		if err != nil {
			t.Fatal(err)
		}
		ad := h.ui.approvals.current
		if ad == nil || h.focused() != ad.code {
			t.Fatal("no request dialog with the code focused")
		}
		return ans, ad
	}
	ans, ad := ask()
	test.Type(ad.code, ans.MatchCode)
	h.press(ad.code, fyne.KeyReturn)
	h.clock.Advance(approve.DefaultInterval)
	if _, err := svc.Token(c, ans.AuthReqID); err != nil {
		t.Fatalf("token after Enter with the right code: %v", err)
	}
	ans, ad = ask()
	h.press(ad.code, fyne.KeyEscape)
	if _, err := svc.Token(c, ans.AuthReqID); !errors.Is(err, approve.ErrDenied) {
		t.Fatalf("after Escape: %v", err)
	}
	if h.ui.approvals.current != nil {
		t.Fatal("the dialog stayed after Escape")
	}
	// Left alone: it goes when the request expires.
	ans, _ = ask()
	h.clock.Advance(approve.DefaultExpiry + time.Second)
	if h.ui.approvals.current != nil {
		t.Fatal("the dialog stayed after expiry")
	}
	if _, err := svc.Token(c, ans.AuthReqID); !errors.Is(err, approve.ErrExpired) {
		t.Fatalf("after expiry: %v", err)
	}
}

// TestApprovalsManager: the paired programs with their last use, the log
// searchable, and Revoke.
func TestApprovalsManager(t *testing.T) {
	h := newHarness(t, "")
	svc := h.ui.approvals.svc
	t.Cleanup(svc.Close)
	if h.ui.approvals.showManager() != nil {
		t.Fatal("the manager opened on a locked vault")
	}
	h.unlock()
	start, _ := svc.StartPairing(approve.PairRequest{Name: "backup job", NoMatchCode: true}, approve.Caller{})
	test.Type(h.ui.approvals.current.code, start.UserCode)
	h.press(h.ui.approvals.current.code, fyne.KeyReturn)
	reg, _ := svc.PollPairing(start.PairingID)
	c, _ := svc.Authenticate(reg.ClientID, reg.ClientSecret)
	for _, msg := range []string{"nightly backup", "restore test"} {
		if _, err := svc.Authorize(c, map[string]string{"scope": "openid", "login_hint": "alice", "binding_message": msg}, approve.Caller{}); err != nil {
			t.Fatal(err)
		}
		h.ui.approvals.current.deny(false)
	}
	// A client without match codes: Enter does not approve; the Approve
	// button does.
	ans, err := svc.Authorize(c, map[string]string{"scope": "openid", "login_hint": "alice"}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	ad := h.ui.approvals.current
	if h.focused() != ad.code {
		t.Fatal("the dialog's field does not have the focus")
	}
	h.press(ad.code, fyne.KeyReturn)
	if h.ui.approvals.current != ad {
		t.Fatal("Enter approved a request without a code")
	}
	test.Tap(findButton(t, h.win, "Approve"))
	h.clock.Advance(approve.DefaultInterval)
	if tok, err := svc.Token(c, ans.AuthReqID); err != nil || tok.IDToken == "" {
		t.Fatalf("after Approve: %v", err)
	}
	m := h.ui.approvals.showManager()
	if len(m.clients.Objects) != 1 {
		t.Fatalf("%d client rows", len(m.clients.Objects))
	}
	row := m.clients.Objects[0].(*fyne.Container)
	var info string
	for _, o := range row.Objects {
		if l, ok := o.(*widget.Label); ok {
			info = l.Text
		}
	}
	if !strings.Contains(info, "backup job") || !strings.Contains(info, "last used") {
		t.Fatalf("client row %q", info)
	}
	all := len(m.shown)
	test.Type(m.search, "restore")
	if len(m.shown) != 2 || all <= 2 { // its request and its denial
		t.Fatalf("search shows %d of %d records", len(m.shown), all)
	}
	m.onRevoke(c) // asks first
	test.Tap(findButton(t, h.win, "Yes"))
	if cs, _ := svc.Clients(); len(cs) != 0 {
		t.Fatalf("clients after revoke: %+v", cs)
	}
}

// findButton returns the button labelled text in the window's top overlay.
func findButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var walk func(o fyne.CanvasObject) *widget.Button
	walk = func(o fyne.CanvasObject) *widget.Button {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
		var kids []fyne.CanvasObject
		switch x := o.(type) {
		case *fyne.Container:
			kids = x.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(x).Objects()
		}
		for _, k := range kids {
			if b := walk(k); b != nil {
				return b
			}
		}
		return nil
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		if b := walk(top); b != nil {
			return b
		}
	}
	t.Fatalf("no %q button on screen", text)
	return nil
}

// TestApprovalsShortcutFromSearch: Ctrl+Shift+A opens the manager while the
// search field has the keyboard, as it always does; the manager fits the
// window and Escape closes it.
func TestApprovalsShortcutFromSearch(t *testing.T) {
	h := newHarness(t, "")
	t.Cleanup(h.ui.approvals.svc.Close)
	h.unlock()
	h.win.Canvas().Focus(h.ui.list.search)
	before := len(h.ui.dialogs)
	h.ui.list.search.TypedShortcut(shortcutApprovals)
	if len(h.ui.dialogs) != before+1 {
		t.Fatalf("%d dialogs open after Ctrl+Shift+A, want %d", len(h.ui.dialogs), before+1)
	}
	if w := h.ui.dialogs[len(h.ui.dialogs)-1].MinSize().Width; w > h.win.Canvas().Size().Width {
		t.Errorf("the manager needs %v px, wider than the window's %v", w, h.win.Canvas().Size().Width)
	}
	h.escape()
	if len(h.ui.dialogs) != before {
		t.Fatalf("Escape left %d dialogs open", len(h.ui.dialogs))
	}
}

// TestSettingsDialogsFitTheWindow: the dialogs opened from Settings are no
// wider than the window (they came from branches written side by side).
func TestSettingsDialogsFitTheWindow(t *testing.T) {
	h := newHarness(t, "")
	t.Cleanup(h.ui.approvals.svc.Close)
	h.unlock()
	width := h.win.Canvas().Size().Width
	for name, open := range map[string]func(){
		"automatic backups": h.ui.showAutoBackup,
		"export":            h.ui.showExport,
		"approvals":         func() { h.ui.approvals.showManager() },
	} {
		before := len(h.ui.dialogs)
		open()
		if len(h.ui.dialogs) != before+1 {
			t.Errorf("%s: not opened through showDialog (Escape would not close it)", name)
			continue
		}
		if w := h.ui.dialogs[len(h.ui.dialogs)-1].MinSize().Width; w > width {
			t.Errorf("%s needs %v px, wider than the window's %v", name, w, width)
		}
		h.escape()
		if len(h.ui.dialogs) != before {
			t.Errorf("%s: Escape did not close it", name)
		}
	}
}

// TestApprovalsPortSetting: the port is a setting (used from the next
// start), checked as a number from 0 to 65535.
func TestApprovalsPortSetting(t *testing.T) {
	h := newHarness(t, "")
	t.Cleanup(h.ui.approvals.svc.Close)
	h.unlock()
	h.ui.list.search.TypedShortcut(ctrl(fyne.KeyComma))
	s := h.ui.settings
	if s.port.Text != strconv.Itoa(loopback.DefaultPort) {
		t.Fatalf("port shown %q, want the default %d", s.port.Text, loopback.DefaultPort)
	}
	s.port.SetText("70000")
	s.onApply()
	if got := h.app.Preferences().IntWithFallback(prefApprovalsPort, -1); got != -1 {
		t.Fatalf("an out-of-range port was stored: %d", got)
	}
	h.escape()
	s.port.SetText("8123")
	s.onApply()
	if got := h.app.Preferences().IntWithFallback(prefApprovalsPort, -1); got != 8123 {
		t.Fatalf("port stored %d, want 8123", got)
	}
}

// TestApprovalsPortTakenKeepsTheKeyboard: when the approvals port is taken
// at start, the person is told in a toast, and the passphrase field keeps
// the keyboard (a dialog there ate the passphrase being typed).
func TestApprovalsPortTakenKeepsTheKeyboard(t *testing.T) {
	h := newHarness(t, "")
	t.Cleanup(h.ui.approvals.svc.Close)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("TESSERA_APPROVALS_PORT", strconv.Itoa(taken.Addr().(*net.TCPAddr).Port))
	h.win.Canvas().Focus(h.ui.unlock.pass)
	h.ui.approvals.start()
	t.Cleanup(h.ui.approvals.stop)
	if h.ui.approvals.srv == nil {
		t.Fatal("no endpoint on another port")
	}
	if len(h.ui.dialogs) != 0 || h.focused() != h.ui.unlock.pass {
		t.Fatalf("%d dialogs open, focus on %T: the passphrase field lost the keyboard", len(h.ui.dialogs), h.focused())
	}
	if !strings.Contains(h.ui.toast.text.Text, "is taken by another program") {
		t.Fatalf("toast says %q", h.ui.toast.text.Text)
	}
	h.unlock()
}

// TestApprovalsRotateKeys: the manager's "New signing keys…" asks, then
// adds a key per algorithm to jwks, keeping the old ones.
func TestApprovalsRotateKeys(t *testing.T) {
	h := newHarness(t, "")
	svc := h.ui.approvals.svc
	t.Cleanup(svc.Close)
	h.unlock()
	before := len(svc.KeyIDs())
	h.ui.approvals.showManager()
	test.Tap(findButton(t, h.win, "New signing keys…"))
	test.Tap(findButton(t, h.win, "Yes"))
	if after := len(svc.KeyIDs()); after != before+len(approve.Algorithms) {
		t.Fatalf("%d keys after rotating, want %d", after, before+len(approve.Algorithms))
	}
}

// Locking while a request's prompt is open puts the prompt back in the
// queue: the request is not denied (hiding the dialog once counted as
// Escape), the prompt leaves the lock screen, and it shows again after the
// next unlock, where the right code approves it.
func TestLockRequeuesOpenPrompt(t *testing.T) {
	h := newHarness(t, "")
	svc := h.ui.approvals.svc
	t.Cleanup(svc.Close)
	svc.SetIssuer("http://127.0.0.1:7787")
	h.unlock()
	start, err := svc.StartPairing(approve.PairRequest{Name: "deploy script"}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	test.Type(h.ui.approvals.current.code, start.UserCode)
	h.press(h.ui.approvals.current.code, fyne.KeyReturn)
	reg, err := svc.PollPairing(start.PairingID)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := svc.Authenticate(reg.ClientID, reg.ClientSecret)
	ans, err := svc.Authorize(c, map[string]string{"scope": "openid", "login_hint": "alice", "binding_message": "sudo reboot"}, approve.Caller{})
	if err != nil {
		t.Fatal(err)
	}
	ad := h.ui.approvals.current
	if ad == nil {
		t.Fatal("no prompt for the request")
	}
	test.Type(ad.code, "1") // half typed when the lock comes

	h.ui.lock()
	if h.ui.unlocked() {
		t.Fatal("the vault stayed unlocked")
	}
	if h.ui.approvals.current != nil {
		t.Fatal("the prompt is still current on the lock screen")
	}
	if n := len(h.win.Canvas().Overlays().List()); n != 0 {
		t.Fatalf("%d overlays over the lock screen; the prompt must leave with the vault", n)
	}
	if q := h.ui.approvals.queue; len(q) != 1 || q[0].ID != ad.p.ID {
		t.Fatalf("queue after the lock = %v, want the open prompt back in it", q)
	}
	h.clock.Advance(approve.DefaultInterval)
	if _, err := svc.Token(c, ans.AuthReqID); !errors.Is(err, approve.ErrPending) {
		t.Fatalf("the request after locking: %v, want it still pending", err)
	}
	if msg := h.ui.toast.text.Text; !strings.Contains(msg, "waits for your approval") {
		t.Fatalf("the toast says %q; it should say a program waits for an answer", msg)
	}

	h.unlock()
	again := h.ui.approvals.current
	if again == nil || again.p.ID != ad.p.ID {
		t.Fatal("the prompt did not show again after the unlock")
	}
	if h.focused() != again.code || again.code.Text != "" {
		t.Fatalf("after the unlock: focus on %T, field %q; want the empty code field focused", h.focused(), again.code.Text)
	}
	test.Type(again.code, ans.MatchCode)
	h.press(again.code, fyne.KeyReturn)
	h.clock.Advance(approve.DefaultInterval)
	if tok, err := svc.Token(c, ans.AuthReqID); err != nil || tok.IDToken == "" {
		t.Fatalf("approving the prompt shown again: %v", err)
	}
	if len(h.ui.approvals.queue) != 0 || h.ui.approvals.current != nil {
		t.Fatal("the prompt stays queued or open after its approval")
	}
}

// While a prompt is open, what is typed goes to it, never to the search
// behind it: with the field unfocused (a click on the prompt's text) the
// code went into the search, and Enter then copied a code. Ctrl+L in the
// prompt's field locks, as everywhere else.
func TestPromptKeepsTheKeyboard(t *testing.T) {
	h := newHarness(t, "")
	svc := h.ui.approvals.svc
	t.Cleanup(svc.Close)
	svc.SetIssuer("http://127.0.0.1:7787")
	h.unlock()
	if _, err := svc.StartPairing(approve.PairRequest{Name: "deploy script"}, approve.Caller{}); err != nil {
		t.Fatal(err)
	}
	ad := h.ui.approvals.current
	h.win.Canvas().Unfocus()
	test.TypeOnCanvas(h.win.Canvas(), "12")
	if h.ui.list.search.Text != "" || ad.code.Text != "12" {
		t.Fatalf("typed with nothing focused: search %q, code field %q; want the code field to get it", h.ui.list.search.Text, ad.code.Text)
	}
	ad.code.TypedShortcut(ctrl(fyne.KeyL))
	if h.ui.unlocked() {
		t.Fatal("Ctrl+L in the prompt's field did not lock")
	}
	if len(h.ui.approvals.queue) != 1 {
		t.Fatal("the prompt did not go back to the queue")
	}

	// Another dialog: typing reaches neither it nor the search.
	h.unlock()
	h.ui.approvals.current.deny(false)
	h.press(h.ui.list.search, fyne.KeyF1)
	h.win.Canvas().Unfocus()
	test.TypeOnCanvas(h.win.Canvas(), "gi")
	if h.ui.list.search.Text != "" {
		t.Fatalf("typing over the help went into the search: %q", h.ui.list.search.Text)
	}
}

package gui

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tessera-auth/tessera/app/approve"
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

package gui

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback"
	"github.com/tessera-auth/tessera/vault"
)

// prefApprovalsPort is the setting of the approvals endpoint's port
// (default loopback.DefaultPort); $TESSERA_APPROVALS_PORT overrides it, and
// 0 turns the endpoint off there.
const prefApprovalsPort = "approvals.port"

// approvals is the person's side of login approvals: it queues the
// service's prompts and shows them one at a time, each in a dialog whose
// text is plain labels (never markup or links).
type approvals struct {
	u        *UI
	svc      *approve.Service
	srv      *loopback.Server
	discPath string                      // the discovery file, "" when none
	v        atomic.Pointer[vault.Vault] // the vault once unlocked, for the service's goroutines

	// UI goroutine only.
	queue   []approve.Prompt
	current *approvalDialog
}

// newApprovals makes the approvals side of u; start serves it.
func newApprovals(u *UI) *approvals {
	a := &approvals{u: u}
	a.svc = approve.New(approve.Config{Store: a.store, Asker: a, Clock: u.clock})
	u.win.Canvas().AddShortcut(shortcutApprovals, func(fyne.Shortcut) { a.showManager() })
	return a
}

func (a *approvals) store() approve.Store {
	if v := a.v.Load(); v != nil {
		return v
	}
	return nil
}

// start serves the loopback endpoint on the configured port; failures and
// a port fallback are told to the person.
func (a *approvals) start() {
	port := a.u.app.Preferences().IntWithFallback(prefApprovalsPort, loopback.DefaultPort)
	if s := os.Getenv("TESSERA_APPROVALS_PORT"); s != "" {
		if p, err := strconv.Atoi(s); err == nil && p >= 0 && p < 65536 {
			port = p
		}
	}
	if port == 0 {
		return
	}
	path, err := approve.DiscoveryPath()
	if err != nil {
		path = ""
	}
	// Said in a toast, not a dialog: at start the passphrase field has the
	// keyboard, and a dialog would take it from a person already typing.
	srv, notice, err := loopback.StartApprovals(a.svc, port, path)
	if err != nil {
		a.u.toast.show(fmt.Sprintf("Login approvals are off: %v", err), 3*toastTime, "", nil)
		return
	}
	a.srv, a.discPath = srv, path
	if notice != "" {
		a.u.toast.show(notice, 3*toastTime, "", nil)
	}
}

// stop closes the endpoint, so that clients stop at once rather than time
// out, and removes the discovery file, which would name a dead server.
func (a *approvals) stop() {
	if a.srv == nil {
		return
	}
	a.srv.Close()
	a.srv = nil
	if d, err := approve.ReadDiscoveryFile(a.discPath); a.discPath != "" && err == nil && d.PID == os.Getpid() {
		os.Remove(a.discPath)
	}
}

// Ask queues p (approve.Asker; any goroutine).
func (a *approvals) Ask(p approve.Prompt) {
	fyne.Do(func() {
		a.queue = append(a.queue, p)
		title := "Tessera: approval requested"
		body := p.ClientName + " asks you to approve"
		if p.Kind == approve.PromptPairing {
			title, body = "Tessera: pairing requested", p.ClientName+" wants to send you approval requests"
		}
		a.u.app.SendNotification(fyne.NewNotification(title, body))
		a.u.win.Show()
		a.u.win.RequestFocus()
		a.next()
	})
}

// Withdraw drops a prompt that ended without the person (approve.Asker).
func (a *approvals) Withdraw(id string) {
	fyne.Do(func() {
		for i, p := range a.queue {
			if p.ID == id {
				a.queue = append(a.queue[:i], a.queue[i+1:]...)
				break
			}
		}
		if a.current != nil && a.current.p.ID == id {
			a.close("The request expired.")
		}
	})
}

// onUnlocked shows what waited for the unlock.
func (a *approvals) onUnlocked() {
	a.v.Store(a.u.vault)
	a.u.cfg.Go(func() {
		a.svc.FlushLog()
		if a.discPath != "" { // now with the key IDs, which the vault holds
			approve.WriteDiscoveryFile(a.discPath, approve.DiscoveryFile{Issuer: a.svc.Issuer(), KeyIDs: a.svc.KeyIDs(), PID: os.Getpid()})
		}
	})
	a.next()
}

// onLocked puts the open prompt back in the queue, for after the unlock.
func (a *approvals) onLocked() {
	if cur := a.current; cur != nil {
		a.current = nil // first, so that hiding it is not taken for Escape
		cur.d.Hide()
		a.queue = append([]approve.Prompt{cur.p}, a.queue...)
	}
}

// next shows the first queued prompt still open, once the vault is
// unlocked (the unlock screen is showing otherwise).
func (a *approvals) next() {
	if a.current != nil {
		return
	}
	if !a.u.unlocked() {
		if len(a.queue) > 0 {
			a.u.toast.show("A program asks for your approval: unlock Tessera first.", 10*time.Second, "", nil)
		}
		return
	}
	now := a.u.clock.Now()
	for len(a.queue) > 0 {
		p := a.queue[0]
		a.queue = a.queue[1:]
		if now.Before(p.Expires) {
			a.current = newApprovalDialog(a, p)
			return
		}
	}
}

// close ends the current dialog with a toast and shows the next one.
func (a *approvals) close(msg string) {
	if cur := a.current; cur != nil {
		a.current = nil // first, so that closing it is not taken for Escape
		cur.d.Hide()
	}
	if msg != "" {
		a.u.toast.show(msg, toastTime, "", nil)
	}
	a.next()
}

// approvalDialog is one prompt on screen.
type approvalDialog struct {
	a      *approvals
	p      approve.Prompt
	d      *dialog.CustomDialog
	code   *keyEntry // the match code: Enter submits, Escape denies, Ctrl+L locks
	status *widget.Label
	busy   bool
}

func plain(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func newApprovalDialog(a *approvals, p approve.Prompt) *approvalDialog {
	ad := &approvalDialog{a: a, p: p, code: newKeyEntry(), status: widget.NewLabel("")}
	rows := []fyne.CanvasObject{}
	title := "Approve sign-in?"
	if p.Kind == approve.PromptPairing {
		title = "Pair a program?"
		rows = append(rows, plain(p.ClientName+" wants to send you approval requests."))
	} else {
		rows = append(rows, plain("Client: "+p.ClientName))
		if p.LoginHint != "" {
			rows = append(rows, plain("Sign in as: "+p.LoginHint))
		}
		if p.Message != "" {
			rows = append(rows, plain("Message: "+p.Message))
		}
		for _, c := range p.Context {
			rows = append(rows, plain(c.Label+": "+c.Value))
		}
	}
	rows = append(rows, plain("Program: "+p.Caller.String()))
	ad.code.onKey = func(k *fyne.KeyEvent) bool {
		if k.Name == fyne.KeyEscape {
			ad.deny(false)
			return true
		}
		return false
	}
	// The field would swallow the window's Ctrl+L: locking (which puts
	// the prompt back in the queue) works from the prompt too.
	ad.code.onShortcut = func(s fyne.Shortcut) bool {
		if isCtrl(s, fyne.KeyL) {
			a.u.lock()
			return true
		}
		return false
	}
	ad.code.OnSubmitted = func(string) {
		if p.NeedsCode {
			ad.approve()
		}
	}
	deny := widget.NewButton("Deny", func() { ad.deny(false) })
	buttons := []fyne.CanvasObject{deny}
	if p.Kind == approve.PromptApproval {
		buttons = append(buttons, widget.NewButton("This wasn't me", func() { ad.deny(true) }))
	}
	if p.NeedsCode {
		what := "the code the program shows"
		if p.Kind == approve.PromptPairing {
			what = "the 6-digit code the program prints"
		}
		rows = append(rows, plain("Type "+what+", then press Enter:"), ad.code)
	} else {
		ad.code.SetPlaceHolder("no code: use the Approve button")
		rows = append(rows, plain("This client cannot show a code."), ad.code)
		ok := widget.NewButton("Approve", ad.approve) // never the default
		buttons = append(buttons, ok)
	}
	rows = append(rows, ad.status, container.NewHBox(buttons...))
	// As wide as the window allows, up to a readable line: a dialog takes
	// its width from its widest unwrapped part (the buttons), and the text
	// wrapped a few words a line.
	body := container.New(fixedWidth(min(a.u.dialogRoom(), 380)), container.NewVBox(rows...))
	ad.d = dialog.NewCustomWithoutButtons(title, body, a.u.win)
	a.u.showDialog(ad.d, func() {
		// Closed by Escape on the window rather than by a decision.
		if a.current == ad {
			ad.deny(false)
		}
	})
	a.u.win.Canvas().Focus(ad.code)
	return ad
}

func (ad *approvalDialog) approve() {
	if ad.busy {
		return
	}
	ad.busy = true
	code := ad.code.Text
	ad.a.u.cfg.Go(func() {
		err := ad.a.svc.Approve(ad.p.ID, code)
		fyne.Do(func() { ad.done(err) })
	})
}

func (ad *approvalDialog) done(err error) {
	ad.busy = false
	if ad.a.current != ad {
		return // withdrawn meanwhile
	}
	switch {
	case err == nil && ad.p.Kind == approve.PromptPairing:
		ad.a.close("Paired " + ad.p.ClientName + ".")
	case err == nil:
		ad.a.close("Approved.")
	case errors.Is(err, approve.ErrWrongCode):
		ad.status.SetText("That code does not match. Type the code the program shows.")
		ad.code.SetText("")
		ad.a.u.win.Canvas().Focus(ad.code)
	case errors.Is(err, approve.ErrTooManyTries):
		ad.a.close("Denied: too many wrong codes.")
	case errors.Is(err, approve.ErrNoPrompt):
		ad.a.close("The request expired.")
	case errors.Is(err, approve.ErrLockedVault):
		ad.a.onLocked()
	default:
		ad.status.SetText("Could not approve: " + err.Error())
	}
}

func (ad *approvalDialog) deny(mute bool) {
	ad.a.svc.Deny(ad.p.ID, mute)
	msg := "Denied."
	if mute {
		msg = "Denied; " + ad.p.ClientName + " is muted for 20 minutes."
	}
	ad.a.close(msg)
}

package gui

import (
	"fmt"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/approve"
)

// shortcutApprovals opens the paired clients and the audit log.
var shortcutApprovals = &desktop.CustomShortcut{KeyName: fyne.KeyA, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}

// approvalsManager lists the paired clients (with last use, and Revoke)
// and the audit log with a search field.
type approvalsManager struct {
	a       *approvals
	d       *dialog.CustomDialog
	clients *fyne.Container
	search  *keyEntry
	log     *widget.List
	records []approve.Record // newest first
	shown   []approve.Record
}

// showManager opens the manager; the vault must be unlocked.
func (a *approvals) showManager() *approvalsManager {
	if !a.u.unlocked() {
		a.u.toast.show("Unlock Tessera to see the paired programs and the approvals log.", toastTime, "", nil)
		return nil
	}
	m := &approvalsManager{a: a, clients: container.NewVBox(), search: a.u.newDialogEntry()}
	m.search.SetPlaceHolder("Search the log")
	m.search.OnChanged = func(string) { m.filter() }
	m.log = widget.NewList(func() int { return len(m.shown) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(m.shown[i].String()) })
	m.reload()
	tabs := container.NewAppTabs(
		container.NewTabItem("Paired programs", container.NewBorder(nil,
			container.NewHBox(widget.NewButton("New signing keys…", m.onRotate)), nil, nil,
			container.NewVScroll(m.clients))),
		container.NewTabItem("Log", container.NewBorder(m.search, nil, nil, nil, m.log)),
	)
	m.d = dialog.NewCustom("Login approvals", "Close", tabs, a.u.win)
	m.d.Resize(fyne.NewSize(a.u.dialogRoom(), 480))
	a.u.showDialog(m.d, nil)
	return m
}

// reload reads clients and log from the vault.
func (m *approvalsManager) reload() {
	m.clients.RemoveAll()
	cs, err := m.a.svc.Clients()
	if err != nil {
		m.clients.Add(widget.NewLabel("Could not read the paired programs: " + err.Error()))
	}
	if err == nil && len(cs) == 0 {
		none := widget.NewLabel("No program is paired. Pair one with: tessera approve pair --name NAME --save FILE")
		none.Wrapping = fyne.TextWrapWord
		m.clients.Add(none)
	}
	for _, c := range cs {
		last := "never used"
		if !c.LastUsed.IsZero() {
			last = "last used " + c.LastUsed.Local().Format("2006-01-02 15:04")
		}
		info := widget.NewLabel(fmt.Sprintf("%s (%s, %s, %s)", c.Name, c.ID, c.Alg, last))
		info.Wrapping = fyne.TextWrapWord
		revoke := widget.NewButton("Revoke", func() { m.onRevoke(c) })
		m.clients.Add(container.NewBorder(nil, nil, nil, revoke, info))
	}
	recs, err := m.a.svc.Log()
	if err != nil {
		recs = []approve.Record{{Event: "error", Detail: err.Error()}}
	}
	slices.Reverse(recs)
	m.records = recs
	m.filter()
}

func (m *approvalsManager) filter() {
	m.shown = m.shown[:0]
	for _, r := range m.records {
		if m.search.Text == "" || r.Matches(m.search.Text) {
			m.shown = append(m.shown, r)
		}
	}
	m.log.Refresh()
}

// onRotate makes new signing keys after asking: programs paired from now
// on get them; those paired before keep theirs for a while.
func (m *approvalsManager) onRotate() {
	days := int(approve.KeepRetired / (24 * time.Hour))
	m.a.u.showDialog(dialog.NewConfirm("New signing keys?", fmt.Sprintf(
		"Programs paired from now on get new keys to check Tessera's answers with. Programs paired before keep working for %d days, then must pair again.", days),
		func(ok bool) {
			if !ok {
				return
			}
			if err := m.a.svc.RotateKeys(); err != nil {
				m.a.u.showDialog(dialog.NewError(fmt.Errorf("making new signing keys: %w", err), m.a.u.win), nil)
				return
			}
			m.a.u.toast.show("New signing keys made.", toastTime, "", nil)
		}, m.a.u.win), nil)
}

func (m *approvalsManager) onRevoke(c approve.Client) {
	m.a.u.showDialog(dialog.NewConfirm("Revoke "+c.Name+"?", "It can no longer ask for approvals until paired again.", func(ok bool) {
		if !ok {
			return
		}
		if _, err := m.a.svc.Revoke(c.ID); err != nil {
			m.a.u.showDialog(dialog.NewError(err, m.a.u.win), nil)
		}
		m.reload()
	}, m.a.u.win), nil)
}

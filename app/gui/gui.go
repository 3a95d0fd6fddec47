// Package gui is Tessera's Fyne interface: one file per screen, each screen
// a struct holding its widgets and what it depends on, with on... methods
// for what the person does.
//
// The logic that does not need widgets lives in Fyne-free packages
// (app/codeview, app/clipboard, app/iconpack, vault, otp) so that it is
// tested on its own; this package wires it to the screens. Everything that
// depends on time takes a [clock.Clock], so tests run without sleeping.
package gui

import (
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"

	"github.com/tessera-auth/tessera/app/clipboard"
	"github.com/tessera-auth/tessera/app/clock"
	"github.com/tessera-auth/tessera/assets"
	"github.com/tessera-auth/tessera/vault"
)

// Config is what New needs beyond the app and the window. The zero value
// is what the real program uses.
type Config struct {
	// VaultDir is the vault folder. Empty means the vault path setting,
	// else $TESSERA_VAULT, else the per-user default.
	VaultDir string
	// Vault adjusts how the vault is created and written; tests lower the
	// key derivation's work factor through it.
	Vault *vault.Options
	// Clock is the time source; nil means the system clock.
	Clock clock.Clock
	// Go runs slow work (key derivation, file and screen reading) away from
	// the UI; nil starts a goroutine. Tests pass a function that runs the
	// work at once, so they need no synchronisation.
	Go func(func())
	// OpenURL opens a security-key page in the browser; nil means
	// webauthn.OpenBrowser. Tests answer the page with a software key.
	OpenURL func(url string) error
	// Await runs f on the UI goroutine once done is closed (a security-key
	// ceremony ended); nil waits on a goroutine of its own and hands f to
	// fyne.Do. Tests keep f and run it once they have ended the ceremony.
	Await func(done <-chan struct{}, f func())
	// Do runs f on the UI goroutine for the security keys' goroutines (age
	// plugin prompts, ceremonies); nil means fyne.Do. Tests that run
	// those goroutines for real pass one that hands f to the test.
	Do func(f func())
}

// startSize is the window's size at start; no screen needs more.
var startSize = fyne.NewSize(460, 640)

// minSize is the smallest the window can be made; every screen and dialog
// lays out in it.
var minSize = fyne.NewSize(400, 600)

// UI is Tessera's running interface.
type UI struct {
	app   fyne.App
	win   fyne.Window
	cfg   Config
	clock clock.Clock
	prefs settings
	clip  *clipboard.Guard
	icons *icons
	dir   string

	vault   *vault.Vault // nil until the vault is opened or created
	unsaved bool         // changes that a save has not yet written

	root      *fyne.Container   // the current screen with the toast layer above it
	toastRoom *canvas.Rectangle // room kept under the screen for a toast, so that it covers nothing
	screen    *fyne.Container
	current   fyne.CanvasObject
	toast     *toast
	tips      *tooltips

	unlock     *unlockScreen
	create     *createScreen
	list       *listScreen
	add        *addScreen
	edit       *editScreen
	checklist  *checklistScreen
	settings   *settingsScreen
	auto       *autoBackupUI // automatic backups (autobackup.go)
	tray       *trayMenu
	qrDialog   dialog.Dialog   // the QR code on show, closed on lock
	dialogs    []dialog.Dialog // open dialogs, newest last (see showDialog)
	hidden     bool
	ticking    bool
	tickGen    int
	idle       clock.Timer
	lastUse    time.Time
	saveWait   clock.Timer
	saveDialog dialog.Dialog // the save failure on show, so that it is said once
	reloadErr  string        // the last failure of reloadIfChanged, shown once
	sync       syncState

	rollbackShown  uint64        // the body generation warnRollback last warned of
	rollbackDialog dialog.Dialog // its dialog, hidden on locking

	approvals *approvals // login approvals (approve.go)

	keys     *keysScreen  // Settings › Security keys, once shown (keys.go)
	ceremony *keyCeremony // the last security-key ceremony started
}

// New builds Tessera's interface in w: the unlock screen if the vault
// exists, else the screens that create one. Tests pass the app and window
// of fyne.io/fyne/v2/test.
func New(a fyne.App, w fyne.Window, cfg Config) *UI {
	u := &UI{app: a, win: w, cfg: cfg, clock: cfg.Clock, prefs: settings{a.Preferences()}}
	if u.clock == nil {
		u.clock = clock.Real
	}
	if u.cfg.Go == nil {
		u.cfg.Go = func(f func()) { go f() }
	}
	calm(a)
	applyTheme(a, u.prefs.theme())
	icon := fyne.NewStaticResource("tessera.png", assets.IconPNG)
	a.SetIcon(icon)
	w.SetIcon(icon)
	u.clip = clipboard.New(a.Clipboard(), u.clock, fyne.Do)
	u.icons = newIcons(a)
	u.dir = u.vaultDir()
	u.toast = newToast(u.clock)
	u.tips = newTooltips(u.clock)
	u.screen = container.NewStack()
	// The window cannot be made smaller than minSize: below it the rows'
	// names were squeezed to nothing and dialogs ran off the window.
	floor := canvas.NewRectangle(color.Transparent)
	floor.SetMinSize(minSize)
	// A toast gets room of its own under every screen rather than
	// covering the last rows of the list or a form's buttons.
	u.toastRoom = canvas.NewRectangle(color.Transparent)
	u.toastRoom.Hidden = true // hidden, it takes no room (nor the border's padding)
	framed := container.NewBorder(nil, u.toastRoom, nil, nil, u.screen)
	u.root = container.NewStack(floor, framed, u.toast.layer, u.tips.layer)
	w.SetContent(u.root)
	w.Resize(startSize)

	u.list = newListScreen(u)
	u.unlock = newUnlockScreen(u)
	u.toast.onHeight = func(h float32) {
		if h == 0 {
			u.toastRoom.Hide()
		} else {
			u.toastRoom.SetMinSize(fyne.NewSize(0, h))
			u.toastRoom.Show()
		}
		framed.Refresh()
	}
	u.list.registerShortcuts(w.Canvas())
	w.Canvas().AddShortcut(shortcutKeys, func(fyne.Shortcut) { u.showKeys() })
	a.Settings().AddListener(func(fyne.Settings) { u.recolour() })
	w.SetOnDropped(u.onDropped)
	u.tray = newTrayMenu(u)

	u.approvals = newApprovals(u)
	if cfg.Clock == nil { // the real program, not a test
		watchScreenLock(u.onScreenLocked)
		u.approvals.start()
	}

	v, err := vault.Open(u.dir, cfg.Vault)
	switch {
	case err == nil:
		u.vault = v
		u.showUnlock()
	case errors.Is(err, fs.ErrNotExist):
		u.create = newCreateScreen(u) // only on the first run
		u.show(u.create.content, u.create.pass1)
	default:
		u.showUnlock()
		u.unlock.fail(err)
	}
	return u
}

// recolour gives the objects that hold a theme colour of their own (the
// codes, the toast's box, the drop line) the colours of the theme now in
// force; Fyne refreshes the widgets themselves.
func (u *UI) recolour() {
	u.toast.recolour()
	u.list.recolour()
}

// vaultDir picks the vault folder: see [VaultDir].
func (u *UI) vaultDir() string { return VaultDir(u.app, u.cfg) }

// VaultDir returns the vault folder a window made by New with cfg opens:
// the configuration's, $TESSERA_VAULT, the vault path setting, else the
// per-user data folder. main uses it to keep one window per vault.
func VaultDir(a fyne.App, cfg Config) string {
	if cfg.VaultDir != "" {
		return cfg.VaultDir
	}
	if p := os.Getenv("TESSERA_VAULT"); p != "" {
		return p
	}
	if p := (settings{a.Preferences()}).vaultPath(); p != "" {
		return p
	}
	if p, err := vault.DefaultDir(os.Getenv); err == nil {
		return p
	}
	return "tessera-vault" // no home folder: next to where Tessera runs
}

// Raise brings the window forward, from the tray if it is hidden there:
// what a second start on the same vault asks for.
func (u *UI) Raise() {
	if u.hidden {
		u.tray.onShowHide()
		return
	}
	u.win.Show()
	u.win.RequestFocus()
}

// primary returns the field that typing goes to on the current screen.
func (u *UI) primary() *keyEntry {
	switch {
	case u.current == u.list.content && u.unlocked():
		return u.list.search
	case u.current == u.unlock.content:
		return u.unlock.pass
	}
	return nil
}

// primaryRune sends a rune typed while nothing has the focus to the
// screen's primary field.
func (u *UI) primaryRune(r rune) {
	if len(u.dialogs) > 0 {
		// Not to the screen behind the dialog: a match code typed after a
		// click on the prompt's text went into the search, and Enter then
		// copied a code. An approval prompt's field takes it.
		if ad := u.approvals.current; ad != nil && u.dialogs[len(u.dialogs)-1] == dialog.Dialog(ad.d) {
			u.win.Canvas().Focus(ad.code)
			ad.code.TypedRune(r)
		}
		return
	}
	if p := u.primary(); p != nil {
		u.win.Canvas().Focus(p)
		p.TypedRune(r)
	}
}

// primaryKey does the same for keys: Enter, arrows, Escape, Backspace.
// While a dialog is open, Escape closes it.
func (u *UI) primaryKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && u.closeTopDialog() {
		return
	}
	if len(u.dialogs) > 0 {
		return // keys belong to the dialog, not the screen behind it
	}
	if k.Name == fyne.KeyEscape && u.settings != nil && u.current == u.settings.content {
		u.showList() // as from the add and edit forms
		return
	}
	if k.Name == fyne.KeyReturn && u.checklist != nil && u.current == u.checklist.content {
		u.checklist.onAdd() // Enter confirms the migration chooser
		return
	}
	if p := u.primary(); p != nil {
		u.win.Canvas().Focus(p)
		p.TypedKey(k)
	}
}

// show makes obj the window's content and gives focus the keyboard. The
// screens that are made once stay in the window, hidden, so that a theme
// switch, which Fyne applies to what the window holds, reaches them too
// (the list's icons stayed white on light after a switch in Settings);
// one-off screens (the recovery code, a checklist) go once left.
func (u *UI) show(obj fyne.CanvasObject, focus fyne.Focusable) {
	u.current = obj
	kept := []fyne.CanvasObject{u.unlock.content, u.list.content}
	if u.add != nil {
		kept = append(kept, u.add.content)
	}
	if u.edit != nil {
		kept = append(kept, u.edit.content)
	}
	if u.settings != nil {
		kept = append(kept, u.settings.content)
	}
	objs := u.screen.Objects[:0]
	for _, o := range u.screen.Objects {
		if o != obj && slices.Contains(kept, o) {
			o.Hide()
			objs = append(objs, o)
		}
	}
	obj.Show()
	u.screen.Objects = append(objs, obj)
	u.screen.Refresh()
	if focus != nil {
		u.win.Canvas().Focus(focus)
	} else {
		// Not left in a field of the screen just hidden (the search took
		// what was typed on the settings screen, Escape included).
		u.win.Canvas().Unfocus()
	}
}

// Window titles; the locked one tells the taskbar (and tests) the state.
const (
	titleLocked   = "Tessera (locked)"
	titleUnlocked = "Tessera"
)

func (u *UI) showUnlock() {
	u.win.SetTitle(titleLocked)
	u.unlock.reset()
	u.show(u.unlock.content, u.unlock.focus())
}

// unlocked reports whether the vault's entries are available.
func (u *UI) unlocked() bool { return u.vault != nil && !u.vault.Locked() }

// onUnlocked shows the main list once the vault is open.
func (u *UI) onUnlocked() {
	u.list.load(u.vault.Entries())
	u.show(u.list.content, u.list.search)
	u.list.showSelected()
	u.win.SetTitle(titleUnlocked)
	u.touch()
	u.startTicking()
	u.tray.refresh()
	u.warnRollback()
	u.startAutoBackup()
	u.startSync()
	u.approvals.onUnlocked()
}

// showList returns from a secondary screen to the main list.
func (u *UI) showList() {
	if !u.unlocked() {
		u.showUnlock()
		return
	}
	u.show(u.list.content, u.list.search)
}

// lock saves what is pending, forgets the vault's contents and shows the
// unlock screen. A failed save keeps the vault unlocked, so the change is
// not lost.
func (u *UI) lock() {
	if !u.unlocked() {
		return
	}
	if u.unsaved && !u.save() {
		return
	}
	u.clip.Clear()
	u.cancelCeremony()
	if u.qrDialog != nil {
		u.qrDialog.Hide()
	}
	if u.rollbackDialog != nil {
		u.rollbackDialog.Hide()
		u.rollbackDialog = nil
	}
	u.rollbackShown = 0 // said again at the next unlock
	if u.settings != nil && u.settings.backupsDialog != nil {
		u.settings.backupsDialog.hide()
	}
	u.stopTicking()
	u.stopAutoBackup()
	if u.idle != nil {
		u.idle.Stop()
		u.idle = nil
	}
	u.list.clear()
	u.stopSync()
	u.approvals.onLocked()
	if u.edit != nil {
		u.edit.forget() // the secret's field
	}
	u.vault.Lock()
	u.tray.refresh()
	u.showUnlock()
	msg := "Locked."
	if len(u.approvals.queue) > 0 {
		msg = "Locked. A program waits for your approval: unlock to answer it."
	}
	u.toast.show(msg, toastTime, "", nil)
}

// onScreenLocked locks the vault when the desktop locks the screen, if the
// setting says so.
func (u *UI) onScreenLocked() {
	if u.prefs.lockOnScreenLock() {
		u.lock()
	}
}

// touch records activity, postponing the idle lock.
func (u *UI) touch() {
	u.lastUse = u.clock.Now()
	if u.idle == nil && u.unlocked() {
		u.armIdle(u.prefs.autoLock())
	}
}

// rearmIdle restarts the idle lock with the current setting.
func (u *UI) rearmIdle() {
	if u.idle != nil {
		u.idle.Stop()
		u.idle = nil
	}
	u.touch()
}

// armIdle schedules the idle check after d.
func (u *UI) armIdle(d time.Duration) {
	if d <= 0 {
		return
	}
	u.idle = u.clock.AfterFunc(d, func() { fyne.Do(u.onIdleCheck) })
}

func (u *UI) onIdleCheck() {
	u.idle = nil
	limit := u.prefs.autoLock()
	if limit <= 0 || !u.unlocked() {
		return
	}
	if quiet := u.clock.Now().Sub(u.lastUse); quiet < limit {
		u.armIdle(limit - quiet)
		return
	}
	u.lock()
}

// startTicking starts the once-a-second update of the codes, aligned to
// the start of each second.
func (u *UI) startTicking() {
	if u.ticking || u.hidden || !u.unlocked() {
		return
	}
	u.ticking = true
	u.tickGen++
	u.scheduleTick(u.tickGen)
}

func (u *UI) scheduleTick(gen int) {
	now := u.clock.Now()
	wait := time.Second - time.Duration(now.Nanosecond()) + 5*time.Millisecond
	u.clock.AfterFunc(wait, func() {
		fyne.Do(func() {
			if !u.ticking || gen != u.tickGen {
				return
			}
			u.onTick()
			u.scheduleTick(gen)
		})
	})
}

func (u *UI) stopTicking() {
	u.ticking = false
	u.tickGen++
}

// onTick takes in another process's saves, then updates the codes.
func (u *UI) onTick() {
	if !u.unlocked() {
		return
	}
	u.reloadIfChanged()
	u.list.onTick()
}

// reloadIfChanged takes in what another process (the CLI) saved.
func (u *UI) reloadIfChanged() {
	if !u.vault.Changed() {
		return
	}
	if err := u.vault.Reload(); err != nil {
		// Said once, not at every tick while the problem lasts.
		if msg := err.Error(); msg != u.reloadErr {
			u.reloadErr = msg
			u.toast.show("The vault changed on disk and could not be read again: "+msg, 2*toastTime, "", nil)
		}
		return
	}
	u.reloadErr = ""
	u.list.load(u.vault.Entries())
	u.tray.refresh()
	u.warnRollback()
}

// setHidden records whether the window is hidden (in the tray); hidden
// windows do no refresh work.
func (u *UI) setHidden(h bool) {
	u.hidden = h
	if h {
		u.stopTicking()
		if u.unsaved {
			u.save()
		}
		return
	}
	if u.unlocked() {
		u.reloadIfChanged()
		u.list.onTick()
		u.startTicking()
	}
}

// save writes the vault. On failure it keeps the change in memory, shows
// it pending above the list and, once per failure, tells the person what
// happened and what to do with an offer to retry; it reports whether the
// save succeeded.
func (u *UI) save() bool {
	err := u.trySave()
	if err != nil && u.rekeyedElsewhere(err) {
		return false
	}
	if err != nil && u.saveDialog == nil {
		u.showSaveError(err)
	}
	return err == nil
}

// saveSoon saves after a short pause, so that a burst of small changes
// (use counts) is written once.
func (u *UI) saveSoon() {
	u.unsaved = true
	if u.saveWait != nil {
		return
	}
	u.saveWait = u.clock.AfterFunc(2*time.Second, func() {
		fyne.Do(func() {
			u.saveWait = nil
			if u.unlocked() && u.unsaved {
				u.save()
			}
		})
	})
}

func (u *UI) showSaveError(err error) {
	advice := "Your change is kept in this window. Check that the vault folder " + u.dir +
		" exists, is writable and its disk is not full, then retry."
	var busy *vault.BusyError
	if errors.As(err, &busy) {
		advice = "Another Tessera process is writing the vault. Your change is kept in this window; retry in a moment."
	}
	d := dialog.NewConfirm("The vault could not be saved",
		fmt.Sprintf("%v\n\n%s", err, advice), func(retry bool) {
			if retry {
				u.save()
			}
		}, u.win)
	d.SetConfirmText("Retry")
	d.SetDismissText("Later")
	u.saveDialog = d
	u.showDialog(d, func() { u.saveDialog = nil })
}

// changed records a change to the vault and saves it now.
func (u *UI) changed() bool {
	u.unsaved = true
	ok := u.save()
	if ok {
		u.autoBackupChanged()
	}
	u.list.load(u.vault.Entries())
	u.tray.refresh()
	return ok
}

// Quit saves pending changes and clears a copied code before the program
// ends. If the save fails it asks whether to quit without the changes.
func (u *UI) Quit() {
	if u.unlocked() && u.unsaved {
		if err := u.trySave(); err != nil {
			u.askQuitUnsaved(err)
			return
		}
	}
	u.quitNow()
}

// quitNow ends the program, whatever is unsaved.
func (u *UI) quitNow() {
	u.clip.Clear()
	u.approvals.stop()
	if u.unlocked() {
		u.vault.Lock()
	}
	u.app.Quit()
}

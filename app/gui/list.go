package gui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tessera-auth/tessera/app/codeview"
	"github.com/tessera-auth/tessera/vault"
)

// Choices of the group selector that are not tags.
const (
	groupAll        = "All entries"
	groupFavourites = "Favourites"
)

// listScreen is the main window: the search field, the entries with their
// codes, a countdown per period in use, and the toolbar.
type listScreen struct {
	ui *UI

	search  *keyEntry
	group   *widget.Select
	sortBy  *widget.Select
	list    *widget.List
	empty   *widget.Label
	periods *fyne.Container
	content fyne.CanvasObject

	all      []vault.Entry // live entries in display order
	shown    []int         // indexes into all that pass the search and group, best first
	selected int           // index into shown, -1 for none
	quiet    bool          // true while the list selection is set by code

	rows       map[fyne.CanvasObject]*row
	bound      map[*row]int // rows on screen and the index into shown each shows
	countdowns map[int]*countdown
	hotpShown  map[string]string // HOTP entry ID -> the code its "next code" button produced
	revealed   map[string]bool   // token entry IDs whose value is shown
}

func newListScreen(ui *UI) *listScreen {
	s := &listScreen{
		ui:         ui,
		selected:   -1,
		rows:       map[fyne.CanvasObject]*row{},
		bound:      map[*row]int{},
		countdowns: map[int]*countdown{},
		hotpShown:  map[string]string{},
		revealed:   map[string]bool{},
	}
	s.search = newKeyEntry()
	s.search.SetPlaceHolder("Type to search, Enter copies, F1 for help")
	s.search.OnChanged = func(string) { s.ui.touch(); s.refilter() }
	s.search.OnSubmitted = func(string) { s.onCopySelected() }
	s.search.onKey = s.onKey
	s.search.onShortcut = s.onShortcut

	s.group = widget.NewSelect([]string{groupAll}, func(string) { s.ui.touch(); s.refilter() })
	s.group.Selected = groupAll
	s.sortBy = widget.NewSelect([]string{sortManual, sortName, sortLastUsed, sortMostUsed}, s.onSort)
	s.sortBy.Selected = ui.prefs.sortOrder()

	s.list = widget.NewList(
		func() int { return len(s.shown) },
		s.createRow,
		s.updateRow,
	)
	s.list.OnSelected = s.onListSelected
	s.empty = widget.NewLabel("")
	s.empty.Alignment = fyne.TextAlignCenter
	s.empty.Wrapping = fyne.TextWrapWord
	s.empty.Hide()

	s.periods = container.NewVBox()
	add := widget.NewButtonWithIcon("", theme.ContentAddIcon(), s.onAdd)
	lock := widget.NewButtonWithIcon("", theme.LoginIcon(), func() { s.ui.lock() })
	settings := widget.NewButtonWithIcon("", theme.SettingsIcon(), s.onSettings)
	help := widget.NewButtonWithIcon("", theme.HelpIcon(), s.onHelp)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(add, lock, settings, help), s.search)
	filters := container.NewGridWithColumns(2, s.group, s.sortBy)
	bottom := container.NewBorder(nil, nil, nil, nil, s.periods)
	s.content = container.NewBorder(container.NewVBox(top, filters), bottom, nil, nil,
		container.NewStack(s.list, container.NewCenter(s.empty)))
	return s
}

// load replaces the shown entries with the vault's, keeping the search.
func (s *listScreen) load(entries []vault.Entry) {
	s.all = entries
	s.sortEntries()
	tags := []string{groupAll, groupFavourites}
	seen := map[string]bool{}
	for _, e := range entries {
		for _, t := range e.Tags {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	sort.Strings(tags[2:])
	s.group.Options = tags
	if !slices.Contains(tags, s.group.Selected) {
		s.group.Selected = groupAll
	}
	s.group.Refresh()
	s.refilter()
}

// replace takes in a changed entry without reordering the list, so that
// what the person looks at does not move under the pointer.
func (s *listScreen) replace(e vault.Entry) {
	for i := range s.all {
		if s.all[i].ID == e.ID {
			s.all[i] = e
		}
	}
}

// clear forgets every entry, as on lock.
func (s *listScreen) clear() {
	s.all = nil
	s.shown = nil
	s.selected = -1
	clear(s.hotpShown)
	clear(s.revealed)
	s.search.SetText("")
	s.list.UnselectAll()
	s.redraw()
}

func (s *listScreen) sortEntries() {
	switch s.sortBy.Selected {
	case sortName:
		slices.SortStableFunc(s.all, func(a, b vault.Entry) int {
			return strings.Compare(strings.ToLower(a.Label()), strings.ToLower(b.Label()))
		})
	case sortLastUsed:
		slices.SortStableFunc(s.all, func(a, b vault.Entry) int { return b.LastUsed.Compare(a.LastUsed) })
	case sortMostUsed:
		slices.SortStableFunc(s.all, func(a, b vault.Entry) int { return b.Uses - a.Uses })
	default:
		slices.SortStableFunc(s.all, func(a, b vault.Entry) int {
			switch {
			case a.Position < b.Position:
				return -1
			case a.Position > b.Position:
				return 1
			}
			return a.Created.Compare(b.Created)
		})
	}
}

func (s *listScreen) onSort(choice string) {
	s.ui.touch()
	s.ui.app.Preferences().SetString(prefSort, choice)
	s.sortEntries()
	s.refilter()
}

// refilter recomputes which entries pass the search and the group, and puts
// the selection on the best match.
func (s *listScreen) refilter() {
	q := s.search.Text
	type scored struct{ i, score int }
	var hits []scored
	for i := range s.all {
		e := &s.all[i]
		if !s.inGroup(e) {
			continue
		}
		if sc := codeview.Score(q, e.Issuer, e.Account, e.Tags); sc > 0 {
			hits = append(hits, scored{i, sc})
		}
	}
	if strings.TrimSpace(q) != "" {
		sort.SliceStable(hits, func(a, b int) bool { return hits[a].score > hits[b].score })
	}
	s.shown = s.shown[:0]
	for _, h := range hits {
		s.shown = append(s.shown, h.i)
	}
	s.updateEmpty()
	s.redraw()
	if len(s.shown) > 0 {
		s.selectRow(0)
	} else {
		s.selected = -1
		s.quiet = true
		s.list.UnselectAll()
		s.quiet = false
	}
	s.updateCountdowns(s.ui.clock.Now())
}

func (s *listScreen) inGroup(e *vault.Entry) bool {
	switch g := s.group.Selected; g {
	case "", groupAll:
		return true
	case groupFavourites:
		return e.Favourite
	default:
		return slices.Contains(e.Tags, g)
	}
}

func (s *listScreen) updateEmpty() {
	switch {
	case len(s.all) == 0:
		s.empty.SetText("No entries yet. Press Ctrl+N to add one: scan a QR code on screen, open an image, paste an otpauth URI, or type the details.")
		s.empty.Show()
	case len(s.shown) == 0:
		s.empty.SetText(fmt.Sprintf("Nothing matches %q. Escape clears the search.", s.search.Text))
		s.empty.Show()
	default:
		s.empty.Hide()
	}
}

// redraw rebinds the rows on screen; rows the list no longer shows drop out
// of the tick's work.
func (s *listScreen) redraw() {
	clear(s.bound)
	s.list.Refresh()
}

// selectRow moves the selection to index i of the shown entries.
func (s *listScreen) selectRow(i int) {
	if i < 0 || i >= len(s.shown) {
		return
	}
	s.selected = i
	s.quiet = true
	s.list.Select(i)
	s.quiet = false
}

// entry returns the shown entry at index i, or nil.
func (s *listScreen) entry(i int) *vault.Entry {
	if i < 0 || i >= len(s.shown) {
		return nil
	}
	return &s.all[s.shown[i]]
}

// onListSelected handles a tap on a row: select it and copy its code, then
// give the keyboard back to the search field.
func (s *listScreen) onListSelected(id widget.ListItemID) {
	if s.quiet {
		return
	}
	s.ui.touch()
	s.selected = id
	s.onCopySelected()
	s.ui.win.Canvas().Focus(s.search)
}

// onKey handles the keys of the search field that act on the list.
func (s *listScreen) onKey(k *fyne.KeyEvent) bool {
	s.ui.touch()
	switch k.Name {
	case fyne.KeyDown:
		s.selectRow(min(s.selected+1, len(s.shown)-1))
	case fyne.KeyUp:
		s.selectRow(max(s.selected-1, 0))
	case fyne.KeyPageDown:
		s.selectRow(min(s.selected+10, len(s.shown)-1))
	case fyne.KeyPageUp:
		s.selectRow(max(s.selected-10, 0))
	case fyne.KeyEscape:
		if s.search.Text == "" {
			return false
		}
		s.search.SetText("")
	case fyne.KeyF1:
		s.onHelp()
	default:
		return false
	}
	return true
}

// onShortcut handles the shortcuts of the main window; the canvas routes the
// ones typed while the search field is not focused here as well.
func (s *listScreen) onShortcut(sc fyne.Shortcut) bool {
	s.ui.touch()
	switch sc := sc.(type) {
	case *fyne.ShortcutCopy:
		if s.search.SelectedText() != "" {
			return false
		}
		s.onCopySelected()
		return true
	case *desktop.CustomShortcut:
		if sc.Modifier != fyne.KeyModifierShortcutDefault {
			return false
		}
		switch sc.KeyName {
		case fyne.KeyL:
			s.ui.lock()
		case fyne.KeyN:
			s.onAdd()
		case fyne.KeyF:
			s.ui.win.Canvas().Focus(s.search)
		case fyne.KeyE:
			s.onEdit()
		case fyne.KeyComma:
			s.onSettings()
		default:
			return false
		}
		return true
	}
	return false
}

// registerShortcuts makes the shortcuts work when the search field does not
// have the focus.
func (s *listScreen) registerShortcuts(c fyne.Canvas) {
	for _, k := range []fyne.KeyName{fyne.KeyL, fyne.KeyN, fyne.KeyF, fyne.KeyE, fyne.KeyComma} {
		sc := &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
		c.AddShortcut(sc, func(fyne.Shortcut) {
			if s.ui.unlocked() {
				s.onShortcut(sc)
			}
		})
	}
	// Keys typed while nothing has the focus go to the screen's main
	// field: the search here, the passphrase on the unlock screen.
	c.SetOnTypedKey(s.ui.primaryKey)
	c.SetOnTypedRune(s.ui.primaryRune)
}

func (s *listScreen) onCopySelected() {
	i := s.selected
	if i < 0 && len(s.shown) > 0 {
		i = 0
	}
	e := s.entry(i)
	if e == nil {
		s.ui.toast.show("Nothing to copy: no entry matches.", toastTime, "", nil)
		return
	}
	s.ui.copyEntry(e.ID)
}

func (s *listScreen) onAdd() {
	s.ui.showAdd()
}

func (s *listScreen) onEdit() {
	if e := s.entry(s.selected); e != nil {
		s.ui.showEdit(e.ID)
	}
}

func (s *listScreen) onSettings() { s.ui.showSettings() }

func (s *listScreen) onHelp() { (&helpScreen{ui: s.ui}).show() }

// onTick updates the codes of the rows on screen and the countdowns. It is
// called once a second while the vault is unlocked and the window shown, and
// changes only the texts that changed.
func (s *listScreen) onTick() {
	now := s.ui.clock.Now()
	for r, i := range s.bound {
		if e := s.entry(i); e != nil && e.ID == r.id {
			r.updateCode(e, now)
		}
	}
	s.updateCountdowns(now)
}

// updateCountdowns shows one countdown per period among the shown entries.
func (s *listScreen) updateCountdowns(now time.Time) {
	periods := map[int]bool{}
	for _, i := range s.shown {
		e := &s.all[i]
		if e.Kind == vault.KindOTP {
			if p := e.OTP.EffectivePeriod(); p > 0 {
				periods[p] = true
			}
		}
	}
	changed := len(periods) != len(s.countdowns)
	for p := range s.countdowns {
		if !periods[p] {
			changed = true
		}
	}
	if changed {
		clear(s.countdowns)
		ps := make([]int, 0, len(periods))
		for p := range periods {
			ps = append(ps, p)
		}
		sort.Ints(ps)
		s.periods.RemoveAll()
		for _, p := range ps {
			c := newCountdown(p, len(ps) > 1)
			s.countdowns[p] = c
			s.periods.Add(c.box)
		}
	}
	for _, c := range s.countdowns {
		c.update(now)
	}
}

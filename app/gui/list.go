package gui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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
	groupByTag      = "Group by tag"
	groupFavourites = "Favourites"
)

// noTag heads the last section of the list grouped by tag: the entries
// without tags.
const noTag = "No tag"

// listScreen is the main window: the search field, the entries with their
// codes and countdowns, and the toolbar.
type listScreen struct {
	ui *UI

	search     *keyEntry
	group      *widget.Select
	sortBy     *widget.Select
	list       *widget.List
	empty      *widget.Label
	pending    *fyne.Container // says that changes are not saved
	pendingMsg *widget.Label
	content    fyne.CanvasObject

	all []vault.Entry // live entries in display order
	// shown are the list's items: indexes into all that pass the search and
	// group, best first; grouped by tag, a section's heading comes before
	// its entries as -1-h, h indexing heads.
	shown    []int
	heads    []string // the names of the sections on show
	selected int      // index into shown, -1 for none; never a heading
	quiet    bool     // true while the list selection is set by code

	// rowHeight and headHeight are the heights of an entry's row and of a
	// heading; short lists the items given a heading's height.
	rowHeight, headHeight float32
	short                 map[int]bool

	bound     map[*row]int // rows on screen and the index into shown each shows
	dropLine  *canvas.Rectangle
	dropLayer *fyne.Container   // over the list, shown while an entry is dragged
	hotpShown map[string]string // HOTP entry ID -> the code its "next code" button produced
	revealed  map[string]bool   // token entry IDs whose value is shown
}

func newListScreen(ui *UI) *listScreen {
	s := &listScreen{
		ui:        ui,
		selected:  -1,
		short:     map[int]bool{},
		bound:     map[*row]int{},
		hotpShown: map[string]string{},
		revealed:  map[string]bool{},
	}
	s.search = newKeyEntry()
	s.search.SetPlaceHolder("Type to search, Enter copies, F1 for help")
	s.search.OnChanged = func(string) { s.ui.touch(); s.refilter() }
	s.search.OnSubmitted = func(string) { s.onCopySelected() }
	s.search.onKey = s.onKey
	s.search.onShortcut = s.onShortcut

	s.group = widget.NewSelect([]string{groupAll, groupByTag}, s.onGroup)
	s.group.Selected = groupAll
	if ui.prefs.groupByTag() {
		s.group.Selected = groupByTag
	}
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

	s.dropLine = canvas.NewRectangle(theme.Color(theme.ColorNamePrimary))
	s.dropLayer = container.NewWithoutLayout(s.dropLine)
	s.dropLayer.Hide()

	add := ui.newIconButton(theme.ContentAddIcon(), "Add an entry (Ctrl+N)", s.onAdd)
	lock := ui.newIconButton(lockIcon, "Lock (Ctrl+L)", func() { s.ui.lock() })
	settings := ui.newIconButton(theme.SettingsIcon(), "Settings (Ctrl+,)", s.onSettings)
	help := ui.newIconButton(theme.HelpIcon(), "Keyboard shortcuts (F1)", s.onHelp)
	top := container.NewBorder(nil, nil, nil, container.NewHBox(add, lock, settings, help), s.search)
	filters := container.NewGridWithColumns(2, s.group, s.sortBy)
	s.pending, s.pendingMsg = newPendingBar(ui)
	s.content = container.NewBorder(container.NewVBox(top, filters, s.pending), nil, nil, nil,
		container.NewStack(s.list, container.New(centredText{}, s.empty), s.dropLayer))
	return s
}

// centredText lays a wrapping label out across the width it is given and
// centred in the height, and asks for no room of its own: a wrapping label
// in a centring container is measured before it has a width, one letter
// per line, and makes the window as tall as that.
type centredText struct{}

func (centredText) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }

func (centredText) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding() * 2
	w := max(size.Width-2*pad, 0)
	for _, o := range objs {
		o.Resize(fyne.NewSize(w, o.Size().Height))
		h := min(o.MinSize().Height, size.Height)
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos(pad, (size.Height-h)/2))
	}
}

// load replaces the shown entries with the vault's, keeping the search.
func (s *listScreen) load(entries []vault.Entry) {
	s.all = entries
	s.sortEntries()
	tags := append([]string{groupAll, groupByTag, groupFavourites}, s.tags()...)
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

// tags returns the tags of the entries in name order.
func (s *listScreen) tags() []string {
	var tags []string
	seen := map[string]bool{}
	for _, e := range s.all {
		for _, t := range e.Tags {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	sort.Strings(tags)
	return tags
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
	defer s.ui.win.Canvas().Focus(s.search) // typing filters again
	s.ui.app.Preferences().SetString(prefSort, choice)
	s.sortEntries()
	s.refilter()
}

// onGroup filters or groups the list as chosen; grouping by tag is kept
// for the next start.
func (s *listScreen) onGroup(choice string) {
	s.ui.touch()
	defer s.ui.win.Canvas().Focus(s.search) // typing filters again
	s.ui.app.Preferences().SetBool(prefGroupByTag, choice == groupByTag)
	s.refilter()
}

// refilter recomputes which entries pass the search and the group, and puts
// the selection on the best match.
func (s *listScreen) refilter() {
	q := s.search.Text
	var hits []hit
	for i := range s.all {
		e := &s.all[i]
		if !s.inGroup(e) {
			continue
		}
		if sc := codeview.Score(q, e.Issuer, e.Account, e.Tags); sc > 0 {
			hits = append(hits, hit{i, sc})
		}
	}
	if strings.TrimSpace(q) != "" {
		sort.SliceStable(hits, func(a, b int) bool { return hits[a].score > hits[b].score })
	}
	s.shown = s.shown[:0]
	s.heads = s.heads[:0]
	if s.group.Selected == groupByTag {
		s.sections(hits, s.tags())
	} else {
		for _, h := range hits {
			s.shown = append(s.shown, h.i)
		}
	}
	s.updateEmpty()
	s.setHeights()
	s.redraw()
	first := s.nextEntry(0, 1)
	if len(hits) > 0 && len(s.heads) > 0 {
		// The best match may be in a later section than the first entry.
		first = slices.Index(s.shown, hits[0].i)
	}
	if first >= 0 {
		s.selectRow(first)
	} else {
		s.selected = -1
		s.quiet = true
		s.list.UnselectAll()
		s.quiet = false
	}
}

// hit is an entry that passes the search: its index into all and its score.
type hit struct{ i, score int }

// sections makes the shown items a section for each of tags, in that
// order, holding the hits tagged with it, then a last one of the untagged
// hits. An entry with several tags is in each of their sections; sections
// without hits are left out.
func (s *listScreen) sections(hits []hit, tags []string) {
	add := func(name string, in func(*vault.Entry) bool) {
		head := true
		for _, h := range hits {
			if !in(&s.all[h.i]) {
				continue
			}
			if head {
				s.heads = append(s.heads, name)
				s.shown = append(s.shown, -len(s.heads))
				head = false
			}
			s.shown = append(s.shown, h.i)
		}
	}
	for _, t := range tags {
		add(t, func(e *vault.Entry) bool { return slices.Contains(e.Tags, t) })
	}
	add(noTag, func(e *vault.Entry) bool { return len(e.Tags) == 0 })
}

// setHeights gives the headings their height and the items that were
// headings before the entries' height again. An ungrouped list never sets
// one, so it keeps the list's single-height fast path.
func (s *listScreen) setHeights() {
	for i := range s.short {
		if _, head := s.heading(i); !head {
			delete(s.short, i)
			s.list.SetItemHeight(i, s.rowHeight)
		}
	}
	for i, v := range s.shown {
		if v < 0 && !s.short[i] {
			s.short[i] = true
			s.list.SetItemHeight(i, s.headHeight)
		}
	}
}

func (s *listScreen) inGroup(e *vault.Entry) bool {
	switch g := s.group.Selected; g {
	case "", groupAll, groupByTag:
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

// recolour gives the codes on screen and the drop line the theme's
// colours, after a theme switch.
func (s *listScreen) recolour() {
	s.dropLine.FillColor = theme.Color(theme.ColorNamePrimary)
	for r := range s.bound {
		r.recolour()
	}
}

// reveal selects entry id and scrolls to it, clearing a search or group
// that hides it: after an add, the new entry is where the eye goes.
func (s *listScreen) reveal(id string) {
	find := func() int {
		for i := range s.shown {
			if e := s.entry(i); e != nil && e.ID == id {
				return i
			}
		}
		return -1
	}
	i := find()
	if i < 0 && (s.search.Text != "" || s.group.Selected != groupAll && s.group.Selected != groupByTag) {
		s.group.SetSelected(groupAll)
		s.search.SetText("")
		i = find()
	}
	if i >= 0 {
		s.selectRow(i)
		s.list.ScrollTo(i)
	}
}

// showSelected scrolls the selected entry into view, or the list to its top when
// none is selected. Selecting while the list had no size yet (at unlock)
// scrolled it down by a row, hiding the first entry.
func (s *listScreen) showSelected() {
	if s.selected >= 0 {
		s.list.ScrollTo(s.selected)
	} else {
		s.list.ScrollToTop()
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

// entry returns the shown entry at index i, or nil (also for a heading).
func (s *listScreen) entry(i int) *vault.Entry {
	if i < 0 || i >= len(s.shown) || s.shown[i] < 0 {
		return nil
	}
	return &s.all[s.shown[i]]
}

// heading returns the name of the section whose heading is item i, if it is
// one.
func (s *listScreen) heading(i int) (string, bool) {
	if i < 0 || i >= len(s.shown) || s.shown[i] >= 0 {
		return "", false
	}
	return s.heads[-1-s.shown[i]], true
}

// nextEntry returns the first item from i on, going by step (1 or -1),
// that is an entry rather than a heading; -1 if there is none.
func (s *listScreen) nextEntry(i, step int) int {
	for ; i >= 0 && i < len(s.shown); i += step {
		if s.shown[i] >= 0 {
			return i
		}
	}
	return -1
}

// dropTarget returns the item that an entry's row dragged by dy from item
// from lands on: the entry there, or on a heading the nearest entry back
// towards from.
func (s *listScreen) dropTarget(from int, dy float32) int {
	step := 1
	if dy < 0 {
		step, dy = -1, -dy
	}
	i := from
	for n := i + step; n >= 0 && n < len(s.shown); n += step {
		h := s.rowHeight
		if s.shown[n] < 0 {
			h = s.headHeight
		}
		h += theme.Padding()
		if dy < h/2 {
			break
		}
		dy -= h
		i = n
	}
	return s.nextEntry(i, -step)
}

// dropLineWidth is the thickness of the line that shows where a dragged
// entry would land.
const dropLineWidth = 3

// showDrop draws a line where the entry of row r, dragged by dy, would land
// if dropped now: under the entry it would follow, above the one it would
// precede. It is hidden while the entry would stay or its place is off
// screen.
func (s *listScreen) showDrop(r *row, dy float32) {
	from, ok := s.bound[r]
	to := -1
	if ok {
		to = s.dropTarget(from, dy)
	}
	var target *row
	for t, i := range s.bound {
		if i == to && to != from {
			target = t
		}
	}
	if target == nil {
		s.hideDrop()
		return
	}
	d := fyne.CurrentApp().Driver()
	// The layer covers the list; while hidden it has no place of its own.
	pos := d.AbsolutePositionForObject(target.box).Subtract(d.AbsolutePositionForObject(s.list))
	y := pos.Y - theme.Padding()/2 // above the target
	if to > from {
		y += target.box.Size().Height + theme.Padding() // below it
	}
	at := fyne.NewPos(0, y-dropLineWidth/2)
	size := fyne.NewSize(s.dropLayer.Size().Width, dropLineWidth)
	if s.dropLayer.Visible() && s.dropLine.Position() == at && s.dropLine.Size() == size {
		return
	}
	s.dropLine.FillColor = theme.Color(theme.ColorNamePrimary)
	s.dropLine.Move(at)
	s.dropLine.Resize(size)
	s.dropLayer.Show()
	s.dropLayer.Refresh()
}

// hideDrop takes the drop line away.
func (s *listScreen) hideDrop() {
	if s.dropLayer.Visible() {
		s.dropLayer.Hide()
	}
}

// moveSelection moves the selection by n items (negative is up), passing
// over headings and stopping at the first and last entries.
func (s *listScreen) moveSelection(n int) {
	step := 1
	if n < 0 {
		step = -1
	}
	to := min(max(s.selected+n, 0), len(s.shown)-1)
	i := s.nextEntry(to, step)
	if i < 0 {
		i = s.nextEntry(to, -step)
	}
	s.selectRow(i)
}

// onListSelected handles a tap on a row: select it and copy its code, then
// give the keyboard back to the search field.
func (s *listScreen) onListSelected(id widget.ListItemID) {
	if s.quiet {
		return
	}
	s.ui.touch()
	if s.entry(id) == nil { // a heading: the selection stays where it was
		s.quiet = true
		if s.selected >= 0 {
			s.list.Select(s.selected)
		} else {
			s.list.UnselectAll()
		}
		s.quiet = false
		return
	}
	s.selected = id
	s.onCopySelected()
	s.ui.win.Canvas().Focus(s.search)
}

// onKey handles the keys of the search field that act on the list.
func (s *listScreen) onKey(k *fyne.KeyEvent) bool {
	s.ui.touch()
	switch k.Name {
	case fyne.KeyDown:
		s.moveSelection(1)
	case fyne.KeyUp:
		s.moveSelection(-1)
	case fyne.KeyPageDown:
		s.moveSelection(10)
	case fyne.KeyPageUp:
		s.moveSelection(-10)
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
	case *fyne.ShortcutUndo:
		// Undo the delete on offer; else the search's own undo.
		return s.ui.undo()
	case *fyne.ShortcutCopy:
		if s.search.SelectedText() != "" {
			return false
		}
		s.onCopySelected()
		return true
	case *fyne.ShortcutPaste:
		// A link or QR image on the clipboard is something to add; other
		// text is pasted into the search as usual.
		if !s.ui.clipboardMayHoldCredential() {
			return false
		}
		s.ui.pasteToAdd()
		return true
	case *desktop.CustomShortcut:
		if sc.ShortcutName() == shortcutApprovals.ShortcutName() {
			s.ui.approvals.showManager()
			return true
		}
		if sc.ShortcutName() == shortcutKeys.ShortcutName() {
			s.ui.showKeys()
			return true
		}
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
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		s.ui.submitCurrent()
	})
	c.AddShortcut(&fyne.ShortcutUndo{}, func(fyne.Shortcut) { s.ui.undo() })
	c.AddShortcut(&fyne.ShortcutPaste{}, func(fyne.Shortcut) {
		if s.ui.unlocked() {
			s.ui.touch()
			s.ui.pasteToAdd()
		}
	})
	// Keys typed while nothing has the focus go to the screen's main
	// field: the search here, the passphrase on the unlock screen.
	c.SetOnTypedKey(s.ui.primaryKey)
	c.SetOnTypedRune(s.ui.primaryRune)
}

func (s *listScreen) onCopySelected() {
	i := s.selected
	if i < 0 {
		i = s.nextEntry(0, 1)
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

// onTick updates the codes and countdowns of the rows on screen. It is
// called once a second while the vault is unlocked and the window shown,
// and changes only what changed.
func (s *listScreen) onTick() {
	now := s.ui.clock.Now()
	for r, i := range s.bound {
		if e := s.entry(i); e != nil && e.ID == r.id {
			r.updateCode(e, now)
		}
	}
}

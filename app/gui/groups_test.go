package gui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/tessera-auth/tessera/vault"
)

// newGroupedHarness starts the UI on the test entries with GitHub tagged
// "personal" and "code", GitLab "work" and "code", and shows the list
// grouped by tag.
func newGroupedHarness(t *testing.T) *harness {
	t.Helper()
	entries := testEntries(t)
	entries[0].Tags = []string{"personal", "code"}
	entries[1].Tags = []string{"work", "code"}
	dir := t.TempDir()
	makeVault(t, dir, entries)
	h := newHarness(t, dir)
	h.unlock()
	h.ui.list.group.SetSelected(groupByTag)
	return h
}

// The sections come one per tag in name order, then "No tag"; an entry with
// two tags is under both.
func TestGroupByTagSections(t *testing.T) {
	h := newGroupedHarness(t)
	want := []string{
		"# code", "GitHub", "GitLab",
		"# personal", "GitHub",
		"# work", "GitLab",
		"# No tag", "Example Bank", "Counter Co", "CI token",
	}
	if got := h.shownItems(); !slices.Equal(got, want) {
		t.Fatalf("grouped list:\n got %v\nwant %v", got, want)
	}
	// The first entry, not the heading above it, is selected; headings are
	// shorter than entries, and every row on screen shows its item.
	l := h.ui.list
	if l.selected != 1 {
		t.Fatalf("selection on item %d, want the first entry (1)", l.selected)
	}
	if l.headHeight <= 0 || l.headHeight >= l.rowHeight || !l.short[0] || l.short[1] {
		t.Fatalf("heights: heading %v, entry %v, short items %v", l.headHeight, l.rowHeight, l.short)
	}
	for r, i := range l.bound {
		if e := l.entry(i); e == nil || e.ID != r.id || r.header.Visible() {
			t.Fatalf("row bound to item %d shows entry %q, heading visible %v", i, r.id, r.header.Visible())
		}
	}
	// Both GitHub rows show its code and keep it current.
	var codes []string
	for r := range l.bound {
		if e := l.entry(l.bound[r]); e.Issuer == "GitHub" {
			codes = append(codes, r.code.Text)
		}
	}
	if len(codes) != 2 || codes[0] != codes[1] || codes[0] == "" {
		t.Fatalf("GitHub's rows show %q", codes)
	}

	// Back to one list: no headings, every item an entry's height again.
	l.group.SetSelected(groupAll)
	if got := h.shownItems(); slices.ContainsFunc(got, func(s string) bool { return s[0] == '#' }) || len(got) != 5 {
		t.Fatalf("ungrouped list: %v", got)
	}
	if len(l.short) != 0 {
		t.Fatalf("items %v keep a heading's height", l.short)
	}
}

// The arrow keys pass over headings and stop at the first and last entries.
func TestGroupByTagArrowsSkipHeadings(t *testing.T) {
	h := newGroupedHarness(t)
	l := h.ui.list
	for _, step := range []struct {
		key  fyne.KeyName
		want int
	}{
		{fyne.KeyDown, 2}, // GitLab under code
		{fyne.KeyDown, 4}, // GitHub under personal, over its heading
		{fyne.KeyDown, 6}, // GitLab under work
		{fyne.KeyUp, 4},
		{fyne.KeyUp, 2},
		{fyne.KeyUp, 1},
		{fyne.KeyUp, 1}, // not onto the heading above the first entry
		{fyne.KeyPageDown, 10},
		{fyne.KeyDown, 10},
		{fyne.KeyPageUp, 1},
	} {
		h.press(l.search, step.key)
		if l.selected != step.want {
			t.Fatalf("after %s the selection is on item %d (%v), want %d", step.key, l.selected, h.shownItems(), step.want)
		}
	}
	// A tap on a heading neither selects nor copies it.
	l.list.Select(3)
	if l.selected != 1 || h.clipboard() != "" {
		t.Fatalf("tapping a heading moved the selection to %d, copied %q", l.selected, h.clipboard())
	}
}

// Typing filters within the sections and hides the ones left empty; Enter
// copies the selected entry from within its section.
func TestGroupByTagFilterAndEnter(t *testing.T) {
	h := newGroupedHarness(t)
	l := h.ui.list
	test.Type(l.search, "git")
	if got, want := h.shownItems(), []string{"# code", "GitHub", "GitLab", "# personal", "GitHub", "# work", "GitLab"}; !slices.Equal(got, want) {
		t.Fatalf("search git shows %v, want %v", got, want)
	}
	l.search.SetText("")
	test.Type(l.search, "bank")
	if got, want := h.shownItems(), []string{"# No tag", "Example Bank"}; !slices.Equal(got, want) {
		t.Fatalf("search bank shows %v, want %v", got, want)
	}
	// The best match is selected, even in a later section.
	l.search.SetText("")
	test.Type(l.search, "gitlab")
	if e := l.entry(l.selected); e == nil || e.Issuer != "GitLab" {
		t.Fatalf("search gitlab selects item %d of %v", l.selected, h.shownItems())
	}
	h.press(l.search, fyne.KeyEscape)

	// Down to GitLab under work, then Enter.
	for range 3 {
		h.press(l.search, fyne.KeyDown)
	}
	if name, _ := l.heading(l.selected - 1); name != "work" {
		t.Fatalf("selection on item %d of %v, want GitLab under work", l.selected, h.shownItems())
	}
	h.press(l.search, fyne.KeyReturn)
	if want := totpAt(t, gitlabSecret, t0, "--totp=SHA256", "--digits=8"); h.clipboard() != want {
		t.Fatalf("Enter under work copied %q, want GitLab's %q", h.clipboard(), want)
	}
	// Under No tag, the HOTP entry.
	for range 2 {
		h.press(l.search, fyne.KeyDown)
	}
	h.press(l.search, fyne.KeyReturn)
	if want := oathtool(t, "--hotp", "--counter=5", "--base32", hotpSecret); h.clipboard() != want {
		t.Fatalf("Enter on Counter Co copied %q, want %q", h.clipboard(), want)
	}
}

// Grouping is kept for the next start; a filter is not.
func TestGroupByTagKept(t *testing.T) {
	h := newGroupedHarness(t)
	if !h.app.Preferences().Bool(prefGroupByTag) {
		t.Fatal("grouping not kept in the preferences")
	}
	again := func() *listScreen {
		u := New(h.app, h.app.NewWindow("again"), Config{
			VaultDir: h.dir, Vault: &vault.Options{WorkFactor: testWorkFactor}, Clock: h.clock, Go: func(f func()) { f() },
		})
		test.Type(u.unlock.pass, testPass)
		h.press(u.unlock.pass, fyne.KeyReturn)
		return u.list
	}
	if l := again(); l.group.Selected != groupByTag || len(l.heads) != 4 {
		t.Fatalf("next start shows %q with sections %v", l.group.Selected, l.heads)
	}
	h.ui.list.group.SetSelected("work")
	if l := again(); l.group.Selected != groupAll || len(l.heads) != 0 {
		t.Fatalf("after filtering by a tag the next start shows %q with sections %v", l.group.Selected, l.heads)
	}
}

// Dragging an entry's icon in a grouped list moves it past the entry it is
// dropped on, however many headings and hidden entries lie between.
func TestGroupByTagDrag(t *testing.T) {
	h := newGroupedHarness(t)
	l := h.ui.list
	// CI token is the last item; drag it up over Counter Co and Example
	// Bank, then up past the No tag heading: it stops above Example Bank.
	l.list.ScrollToBottom()
	icon := h.rowOf(len(l.shown) - 1).icon
	icon.Dragged(&fyne.DragEvent{Dragged: fyne.Delta{DY: -2*(l.rowHeight+theme.Padding()) - l.headHeight}})
	icon.DragEnd()
	l.group.SetSelected(groupAll)
	if got, want := h.shownIssuers(), []string{"GitHub", "GitLab", "CI token", "Example Bank", "Counter Co"}; !slices.Equal(got, want) {
		t.Fatalf("after the drag: %v, want %v", got, want)
	}
}

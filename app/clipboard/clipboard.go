// Package clipboard puts codes on the system clipboard and takes them off
// again after a while, but only when the clipboard still holds what Tessera
// put there: a person who has since copied something else keeps it.
//
// The package does not import Fyne; fyne.Clipboard satisfies [Board].
package clipboard

import (
	"sync"
	"time"

	"github.com/tessera-auth/tessera/app/clock"
)

// DefaultClearAfter is how long a copied code stays on the clipboard unless
// the settings say otherwise.
const DefaultClearAfter = 30 * time.Second

// Board is a clipboard holding text.
type Board interface {
	Content() string
	SetContent(string)
}

// Guard copies texts to a Board and clears them after a delay.
type Guard struct {
	board Board
	clock clock.Clock
	do    func(func())

	mu      sync.Mutex
	held    string // what the guard last put on the board, "" when nothing
	pending clock.Timer
}

// New returns a Guard over board. Delays are measured with c. The clearing,
// which happens on a timer, runs through do, which must run its function on
// the goroutine allowed to touch the board (fyne.Do in the GUI); nil runs it
// directly.
func New(board Board, c clock.Clock, do func(func())) *Guard {
	if do == nil {
		do = func(f func()) { f() }
	}
	return &Guard{board: board, clock: c, do: do}
}

// Copy puts text on the board. After clearAfter (0 or less: never) the board
// is emptied if it still holds text. A later Copy replaces the pending
// clearing of an earlier one.
func (g *Guard) Copy(text string, clearAfter time.Duration) {
	g.mu.Lock()
	if g.pending != nil {
		g.pending.Stop()
		g.pending = nil
	}
	g.held = text
	if clearAfter > 0 {
		var t clock.Timer
		t = g.clock.AfterFunc(clearAfter, func() {
			g.do(func() { g.clearIf(t) })
		})
		g.pending = t
	}
	g.mu.Unlock()
	g.board.SetContent(text)
}

// clearIf empties the board if t is still the pending clearing and the board
// still holds the copied text.
func (g *Guard) clearIf(t clock.Timer) {
	g.mu.Lock()
	if g.pending != t {
		g.mu.Unlock()
		return
	}
	g.pending = nil
	held := g.held
	g.held = ""
	g.mu.Unlock()
	if held != "" && g.board.Content() == held {
		g.board.SetContent("")
	}
}

// Clear empties the board at once if it still holds what the guard put
// there, as when the vault locks or Tessera quits.
func (g *Guard) Clear() {
	g.mu.Lock()
	if g.pending != nil {
		g.pending.Stop()
		g.pending = nil
	}
	held := g.held
	g.held = ""
	g.mu.Unlock()
	if held != "" && g.board.Content() == held {
		g.board.SetContent("")
	}
}

// Holding reports whether a clearing is pending.
func (g *Guard) Holding() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pending != nil
}

// Package clocktest provides a manual clock for tests of code that takes a
// [clock.Clock].
package clocktest

import (
	"sort"
	"sync"
	"time"

	"github.com/tessera-auth/tessera/app/clock"
)

// Fake is a clock that moves only when told to. Functions scheduled with
// AfterFunc run synchronously inside Advance or Set, in time order, so a
// test sees their effects as soon as the call returns.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*timer
}

var _ clock.Clock = (*Fake)(nil)

// New returns a Fake clock showing t.
func New(t time.Time) *Fake { return &Fake{now: t} }

type timer struct {
	c       *Fake
	at      time.Time
	seq     int
	f       func()
	stopped bool
}

func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Now returns the clock's current instant.
func (c *Fake) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f for d after the clock's current instant.
func (c *Fake) AfterFunc(d time.Duration, f func()) clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Pending returns how many scheduled functions have neither run nor been
// stopped.
func (c *Fake) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// Advance moves the clock forward by d, running every function that falls
// due on the way at its own instant.
func (c *Fake) Advance(d time.Duration) {
	c.Set(c.Now().Add(d))
}

// Set moves the clock to t (never backwards), running every function that
// falls due on the way at its own instant.
func (c *Fake) Set(t time.Time) {
	for {
		c.mu.Lock()
		sort.Slice(c.timers, func(i, j int) bool {
			if !c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].at.Before(c.timers[j].at)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		var due *timer
		for i, tm := range c.timers {
			if tm.stopped {
				continue
			}
			if tm.at.After(t) {
				break
			}
			due = tm
			c.timers = append(c.timers[:i:i], c.timers[i+1:]...)
			break
		}
		if due == nil {
			if t.After(c.now) {
				c.now = t
			}
			c.timers = compact(c.timers)
			c.mu.Unlock()
			return
		}
		due.stopped = true
		if due.at.After(c.now) {
			c.now = due.at
		}
		c.mu.Unlock()
		due.f()
	}
}

func compact(ts []*timer) []*timer {
	out := ts[:0]
	for _, t := range ts {
		if !t.stopped {
			out = append(out, t)
		}
	}
	return out
}

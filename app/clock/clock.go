// Package clock is the time source of Tessera's interactive parts, so that
// countdowns, idle locks and clipboard clearing can be tested without
// sleeping: production code uses [Real], tests pass a [clocktest.Fake].
//
// [clocktest.Fake]: https://pkg.go.dev/github.com/tessera-auth/tessera/app/clock/clocktest#Fake
package clock

import "time"

// Clock tells the time and runs functions later.
type Clock interface {
	// Now returns the current instant.
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed, unless the
	// returned Timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not happened yet and reports whether
	// it did so.
	Stop() bool
}

// Real is the system clock.
var Real Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

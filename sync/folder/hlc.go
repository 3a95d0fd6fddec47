package folder

import (
	"math"
	"time"
)

// Stamp is a hybrid logical clock reading: wall-clock milliseconds and a
// counter that orders events within one millisecond or behind a clock
// that went back. Every change is stamped, and the later stamp wins.
type Stamp struct {
	Wall    int64  // milliseconds since the Unix epoch
	Logical uint32 // events at the same Wall
}

// Compare returns -1, 0 or +1 as s is before, equal to or after o.
func (s Stamp) Compare(o Stamp) int {
	switch {
	case s.Wall < o.Wall:
		return -1
	case s.Wall > o.Wall:
		return 1
	case s.Logical < o.Logical:
		return -1
	case s.Logical > o.Logical:
		return 1
	}
	return 0
}

// Time returns the wall-clock part of s.
func (s Stamp) Time() time.Time { return time.UnixMilli(s.Wall).UTC() }

// clock is a hybrid logical clock: it never reads earlier than a stamp it
// has issued or seen, so a change made after seeing another is stamped
// later than it even if this device's clock is behind, and a device whose
// clock runs ahead wins only until the others have seen its stamps.
type clock struct {
	last Stamp
}

// tick returns the stamp of a local change at wall time now.
func (c *clock) tick(now time.Time) Stamp {
	ms := now.UnixMilli()
	switch {
	case ms > c.last.Wall:
		c.last = Stamp{Wall: ms}
	case c.last.Logical == math.MaxUint32:
		c.last = Stamp{Wall: c.last.Wall + 1}
	default:
		c.last.Logical++
	}
	return c.last
}

// observe takes in a stamp seen on another device.
func (c *clock) observe(s Stamp) {
	if s.Compare(c.last) > 0 {
		c.last = s
	}
}

package folder

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestRevocationJoin: devices that have seen the same revocation records,
// in any order and with repeats, keep the same one per device (the
// earliest), so that every replica ignores the same files.
func TestRevocationJoin(t *testing.T) {
	var recs []Revocation
	for i := range 12 {
		recs = append(recs, Revocation{Device: fmt.Sprintf("%016x", i%3), By: fmt.Sprintf("%016x", 10+i%4),
			At: Stamp{Wall: int64(100 + i%5), Logical: uint32(i % 2)}, Master: fmt.Sprint(i)})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var want string
	for round := range 50 {
		s := newState()
		for _, i := range rng.Perm(len(recs)) {
			in := newState()
			in.revoke(recs[i])
			if rng.IntN(3) == 0 {
				in.revoke(recs[rng.IntN(len(recs))]) // a repeat, or another
			}
			s.merge(in)
		}
		for _, r := range recs { // everything seen at least once
			s.revoke(r)
		}
		got := fmt.Sprint(s.revoked)
		if round == 0 {
			want = got
		} else if got != want {
			t.Fatalf("round %d: %s, want %s", round, got, want)
		}
	}
	s := newState()
	for _, r := range recs {
		s.revoke(r)
	}
	for id, r := range s.revoked {
		for _, o := range recs {
			if o.Device == id && o.before(r) {
				t.Errorf("device %s: kept %v, but %v is earlier", id, r, o)
			}
		}
	}
}

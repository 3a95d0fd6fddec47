package folder

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/vault"
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

// TestRevokeCutShort: a revocation recorded but not followed by a new
// master key (a revoke cut short) is said at every sync of the revoking
// device until a revoke finishes it; the revoked device's files are
// ignored meanwhile.
func TestRevokeCutShort(t *testing.T) {
	const pass = "correct horse battery staple"
	opts := &vault.Options{WorkFactor: 10}
	sf := t.TempDir()
	a, _, err := vault.Create(filepath.Join(t.TempDir(), "a"), pass, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(a, sf, nil); err != nil {
		t.Fatal(err)
	}
	id, _ := age.NewScryptIdentity(pass)
	b, err := Join(sf, filepath.Join(t.TempDir(), "b"), id, opts)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := Sync(b, sf, &Options{Name: "bravo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(a, sf, &Options{revoke: &rb.Device}); err != nil {
		t.Fatal(err)
	}
	unfinished := func(rep *Report) bool {
		return slices.ContainsFunc(rep.Problems, func(p Problem) bool {
			return p.File == "" && p.Device == rb.Device.ID && strings.Contains(p.Why, "revocation was cut short")
		})
	}
	rep, err := Sync(a, sf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !unfinished(rep) {
		t.Fatalf("after a revocation cut short: %v", rep.Problems)
	}
	if !slices.ContainsFunc(rep.Problems, func(p Problem) bool {
		return p.File == DeviceFile(rb.Device.ID) && strings.Contains(p.Why, "was revoked")
	}) {
		t.Errorf("the revoked device's file is not said to be ignored: %v", rep.Problems)
	}
	if _, err := Revoke(a, sf, "bravo", &RevokeOptions{Rekey: vault.RekeyOptions{Passphrases: []string{pass}}}); err != nil {
		t.Fatal(err)
	}
	if rep, err = Sync(a, sf, nil); err != nil {
		t.Fatal(err)
	}
	if unfinished(rep) {
		t.Errorf("after the revoke finished: %v", rep.Problems)
	}
}

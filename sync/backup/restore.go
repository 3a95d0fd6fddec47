package backup

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Action is what a restore does with one entry of a backup.
type Action uint8

// The actions of a restore.
const (
	Add     Action = iota // the vault lacks the entry: it is added (or brought back if it was deleted)
	Change                // the backup's copy is newer than the vault's: it replaces it
	Counter               // the vault's copy is newer, but the backup's HOTP counter is higher: only the counter moves on
	Skip                  // the vault already holds the entry, the same or newer
)

// String returns "add", "change", "counter" or "skip".
func (a Action) String() string {
	switch a {
	case Add:
		return "add"
	case Change:
		return "change"
	case Counter:
		return "counter"
	case Skip:
		return "skip"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Step is what a restore does with one entry of a backup.
type Step struct {
	Action Action
	// Entry is the entry as the vault will hold it after the step: the
	// backup's, or for Counter and Skip the vault's (for Counter with the
	// raised counter).
	Entry vault.Entry
	// Why says why, for a person: "unchanged", "the vault's copy is
	// newer", "already in the vault as ...".
	Why string
}

// Plan compares the entries of a backup with the vault's live entries
// (vault.Entries) and returns a step for each backup entry, in the
// backup's order. It changes nothing.
//
// An entry is matched by ID, else by kind and secret (the same account
// added again, under a new ID). A matched entry is replaced only by a
// backup copy modified later; a HOTP counter is never lowered, and a
// higher counter in the backup raises the vault's even when the vault's
// copy is newer, since codes up to it were given.
func Plan(current []vault.Entry, f *File) []Step {
	byID := make(map[string]int, len(current))
	for i := range current {
		byID[current[i].ID] = i
	}
	steps := make([]Step, 0, len(f.Entries))
	for _, b := range f.Entries {
		i, ok := byID[b.ID]
		if !ok {
			i = slices.IndexFunc(current, func(x vault.Entry) bool { return sameSecret(&x, &b) })
			if i >= 0 {
				x := current[i]
				if raiseCounter(&x, &b) {
					steps = append(steps, Step{Counter, x, "already in the vault as " + x.Label() + "; the backup's counter is higher"})
				} else {
					steps = append(steps, Step{Skip, x, "already in the vault as " + x.Label()})
				}
				continue
			}
			steps = append(steps, Step{Action: Add, Entry: b})
			continue
		}
		x := current[i]
		switch {
		case sameContent(&x, &b):
			if raiseCounter(&x, &b) {
				steps = append(steps, Step{Counter, x, "the backup's counter is higher"})
			} else {
				steps = append(steps, Step{Skip, x, "unchanged"})
			}
		case b.Modified.After(x.Modified):
			n := b
			if sameSecret(&x, &b) && x.OTP.Counter > n.OTP.Counter {
				n.OTP.Counter = x.OTP.Counter
			}
			n.Uses, n.LastUsed = max(x.Uses, b.Uses), later(x, b)
			steps = append(steps, Step{Change, n, "the backup's copy is newer"})
		case raiseCounter(&x, &b):
			steps = append(steps, Step{Counter, x, "the vault's copy is newer, but the backup's counter is higher"})
		default:
			steps = append(steps, Step{Skip, x, "the vault's copy is newer"})
		}
	}
	return steps
}

// raiseCounter raises x's HOTP counter to b's if both are the same HOTP
// credential and b's is higher, and reports whether it did.
func raiseCounter(x, b *vault.Entry) bool {
	if x.Kind != vault.KindOTP || x.OTP.Kind != otp.HOTP || !sameSecret(x, b) || b.OTP.Counter <= x.OTP.Counter {
		return false
	}
	x.OTP.Counter = b.OTP.Counter
	return true
}

func later(x, b vault.Entry) time.Time {
	if b.LastUsed.After(x.LastUsed) {
		return b.LastUsed
	}
	return x.LastUsed
}

// sameSecret reports whether two entries hold the same kind and secret.
func sameSecret(x, b *vault.Entry) bool {
	if x.KindName() != b.KindName() {
		return false
	}
	if x.Kind == vault.KindToken {
		return bytes.Equal(x.Token.Value, b.Token.Value)
	}
	return bytes.Equal(x.OTP.Secret, b.OTP.Secret)
}

// sameContent reports whether two entries differ in nothing a person set
// or a code taken moved on: uses and times aside.
func sameContent(x, b *vault.Entry) bool {
	return sameSecret(x, b) && x.Issuer == b.Issuer && x.Account == b.Account &&
		x.OTP.Algorithm == b.OTP.Algorithm && x.OTP.EffectiveDigits() == b.OTP.EffectiveDigits() &&
		x.OTP.EffectivePeriod() == b.OTP.EffectivePeriod() && x.OTP.Counter == b.OTP.Counter &&
		x.Token.URL == b.Token.URL && x.Token.Expires.Equal(b.Token.Expires) &&
		slices.Equal(x.Tags, b.Tags) && x.Favourite == b.Favourite && x.Note == b.Note && x.Icon == b.Icon &&
		x.Position == b.Position
}

// Apply carries out the steps of [Plan] on v (unlocked), without saving:
// the caller saves. On error, the steps before the failing one are applied.
func Apply(v *vault.Vault, steps []Step) error {
	for _, s := range steps {
		var err error
		switch s.Action {
		case Add:
			// Update brings back an entry deleted in the vault (its
			// tombstone holds the ID); an ID the vault never had is added.
			err = v.Update(s.Entry)
			if errors.Is(err, vault.ErrNotFound) {
				_, err = v.Add(s.Entry)
			}
		case Change, Counter:
			err = v.Update(s.Entry)
		}
		if err != nil {
			return fmt.Errorf("restoring %s (id %s): %w", s.Entry.Label(), s.Entry.ID, err)
		}
	}
	return nil
}

// Count returns how many steps do each action.
func Count(steps []Step) map[Action]int {
	n := map[Action]int{}
	for _, s := range steps {
		n[s.Action]++
	}
	return n
}

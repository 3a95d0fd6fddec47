package imports

import (
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Duplicate is an item that holds the same secret, of the same kind, as a
// live entry of the vault or an earlier item of the import.
type Duplicate struct {
	Item    Item
	Of      string // the vault entry's ID, or the earlier item's position
	InVault bool   // Of is a vault entry's ID
}

// Dedupe splits items into those to add and the duplicates, comparing the
// secret and kind (TOTP, HOTP, Steam or token) with the live entries of
// existing and with the items before them. Names do not matter: the same
// secret under another name is still the same account.
func Dedupe(existing []vault.Entry, items []Item) (fresh []Item, dups []Duplicate) {
	inVault := map[string]string{}
	for _, e := range existing {
		if !e.Deleted {
			inVault[dupKey(&e)] = e.ID
		}
	}
	earlier := map[string]int{} // index in fresh
	for _, it := range items {
		k := dupKey(&it.Entry)
		if id, ok := inVault[k]; ok {
			dups = append(dups, Duplicate{Item: it, Of: id, InVault: true})
			continue
		}
		if i, ok := earlier[k]; ok {
			// The same HOTP secret twice: keep the higher counter, so that
			// no code either copy gave is given again.
			if c := &fresh[i].Entry.OTP; c.Kind == otp.HOTP && it.Entry.OTP.Counter > c.Counter {
				c.Counter = it.Entry.OTP.Counter
			}
			dups = append(dups, Duplicate{Item: it, Of: fresh[i].Position})
			continue
		}
		earlier[k] = len(fresh)
		fresh = append(fresh, it)
	}
	return fresh, dups
}

// RaiseCounters raises the HOTP counter of each vault entry that a
// duplicate stands for to the duplicate's, where that is higher: a code
// the other app already gave must not be given again. It returns the
// entries changed; the caller saves the vault.
func RaiseCounters(v *vault.Vault, dups []Duplicate) ([]vault.Entry, error) {
	var changed []vault.Entry
	for _, d := range dups {
		if !d.InVault || d.Item.Entry.Kind != vault.KindOTP || d.Item.Entry.OTP.Kind != otp.HOTP {
			continue
		}
		e, ok := v.Entry(d.Of)
		if !ok || e.OTP.Counter >= d.Item.Entry.OTP.Counter {
			continue
		}
		e.OTP.Counter = d.Item.Entry.OTP.Counter
		if err := v.Update(e); err != nil {
			return changed, err
		}
		changed = append(changed, e)
	}
	return changed, nil
}

func dupKey(e *vault.Entry) string {
	if e.Kind == vault.KindToken {
		return "token\x00" + string(e.Token.Value)
	}
	return e.OTP.Kind.String() + "\x00" + string(e.OTP.Secret)
}

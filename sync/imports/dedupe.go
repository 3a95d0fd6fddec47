package imports

import "github.com/tessera-auth/tessera/vault"

// Duplicate is an item that holds the same secret, of the same kind, as a
// live entry of the vault or an earlier item of the import.
type Duplicate struct {
	Item Item
	Of   string // the vault entry's ID, or the earlier item's position
}

// Dedupe splits items into those to add and the duplicates, comparing the
// secret and kind (TOTP, HOTP, Steam or token) with the live entries of
// existing and with the items before them. Names do not matter: the same
// secret under another name is still the same account.
func Dedupe(existing []vault.Entry, items []Item) (fresh []Item, dups []Duplicate) {
	seen := map[string]string{}
	for _, e := range existing {
		if !e.Deleted {
			seen[dupKey(&e)] = e.ID
		}
	}
	for _, it := range items {
		k := dupKey(&it.Entry)
		if of, ok := seen[k]; ok {
			dups = append(dups, Duplicate{Item: it, Of: of})
			continue
		}
		seen[k] = it.Position
		fresh = append(fresh, it)
	}
	return fresh, dups
}

func dupKey(e *vault.Entry) string {
	if e.Kind == vault.KindToken {
		return "token\x00" + string(e.Token.Value)
	}
	return e.OTP.Kind.String() + "\x00" + string(e.OTP.Secret)
}

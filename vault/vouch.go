package vault

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"slices"
)

// vouchJSON is a master key vouching for the one that replaced it: the
// replaced key's signing key (derived from it, see vouchKey) signs the
// new key's fingerprint and signing key. A chain of them lets a sync peer
// that still holds an old master key check that a newer key in the folder
// was made by a holder of its own, not by whoever can write the folder
// (the recovery code's and security keys' recipients are public, so a
// slot for them proves nothing).
type vouchJSON struct {
	From  string `json:"from"`   // fingerprint of the replaced key
	To    string `json:"to"`     // fingerprint of the new key
	ToKey string `json:"to_key"` // the new key's signing key, base64url
	Sig   string `json:"sig"`    // From's signature, base64url
}

const vouchInfo = "tessera master key vouch v1"

// vouchKey derives the signing key of a master key (its identity text).
func vouchKey(master []byte) ed25519.PrivateKey {
	seed, err := hkdf.Key(sha256.New, master, nil, vouchInfo, ed25519.SeedSize)
	if err != nil {
		panic("vault: deriving a signing key: " + err.Error())
	}
	defer clear(seed)
	return ed25519.NewKeyFromSeed(seed)
}

func vouchMessage(from, to, toKey string) []byte {
	return []byte(vouchInfo + "\x00" + from + "\x00" + to + "\x00" + toKey)
}

// vouch returns oldMaster's vouch for newMaster.
func vouch(oldMaster, newMaster []byte, from, to string) vouchJSON {
	oldKey, newKey := vouchKey(oldMaster), vouchKey(newMaster)
	defer clear(oldKey)
	defer clear(newKey)
	toKey := b64.EncodeToString(newKey.Public().(ed25519.PublicKey))
	return vouchJSON{From: from, To: to, ToKey: toKey, Sig: b64.EncodeToString(ed25519.Sign(oldKey, vouchMessage(from, to, toKey)))}
}

// checkVouched follows vouches from the master key mine (its identity
// text and fingerprint) to the fingerprint want, checking each signature
// with the key the previous step vouched for. The last step's signing key
// must be newMaster's.
func checkVouched(vouches []vouchJSON, mine []byte, mineFP, want string, newMaster []byte) error {
	k := vouchKey(mine)
	pub := k.Public().(ed25519.PublicKey)
	clear(k)
	fp := mineFP
	for steps := 0; fp != want; steps++ {
		i := slices.IndexFunc(vouches, func(v vouchJSON) bool { return v.From == fp })
		if i < 0 || steps > len(vouches) {
			return errNotVouched
		}
		v := vouches[i]
		sig, err1 := b64.DecodeString(v.Sig)
		next, err2 := b64.DecodeString(v.ToKey)
		if err1 != nil || err2 != nil || len(next) != ed25519.PublicKeySize || !ed25519.Verify(pub, vouchMessage(v.From, v.To, v.ToKey), sig) {
			return errNotVouched
		}
		fp, pub = v.To, next
	}
	nk := vouchKey(newMaster)
	defer clear(nk)
	if !pub.Equal(nk.Public()) {
		return errNotVouched
	}
	return nil
}

var errNotVouched = errors.New("keys: the new master key is not vouched for by this vault's: it was not made by a device that held this vault's key (someone who can write the sync folder may have put it there): nothing was changed")

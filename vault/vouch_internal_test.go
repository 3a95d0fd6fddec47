package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// TestAdoptKeysVouched: a peer takes a newer master key only if a chain of
// vouches leads from its own key to it (two rekeys here), and refuses one
// that someone who can write the folder made for the recovery code's
// public recipient, with no vouch or a vouch signed by another key.
func TestAdoptKeysVouched(t *testing.T) {
	const pass = "correct horse battery staple"
	opts := &Options{WorkFactor: 10}
	a, code, err := Create(t.TempDir()+"/a", pass, opts)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := a.Keys()
	pid, _ := age.NewScryptIdentity(pass)
	b, err := Join(t.TempDir()+"/b", keys, pid, opts)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ParseRecoveryCode(code)
	if err != nil {
		t.Fatal(err)
	}

	// A forged keys document: a new master key sealed to the recovery
	// code's recipient, claiming to replace b's key.
	forge := func(sign func(doc *keysJSON, newMaster []byte)) []byte {
		var doc keysJSON
		if err := json.Unmarshal(keys, &doc); err != nil {
			t.Fatal(err)
		}
		nid, _ := age.GenerateX25519Identity()
		nm := []byte(nid.String())
		var slots []keysSlotJSON
		for _, s := range doc.Slots {
			if SlotKind(s.Kind) != SlotRecoveryCode {
				continue
			}
			r, err := age.ParseX25519Recipient(s.Params[paramRecipient])
			if err != nil {
				t.Fatal(err)
			}
			ct, err := sealSlot(nm, r)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			w := armor.NewWriter(&buf)
			w.Write(ct)
			w.Close()
			s.Age = buf.String()
			slots = append(slots, s)
		}
		doc.Slots = slots
		doc.Master = fingerprint(nid.Recipient())
		doc.Replaces = []string{b.KeyFingerprint()}
		doc.Vouches = nil
		if sign != nil {
			sign(&doc, nm)
		}
		out, _ := json.Marshal(doc)
		return out
	}
	for name, doc := range map[string][]byte{
		"no vouch": forge(nil),
		"a vouch by another key": forge(func(doc *keysJSON, nm []byte) {
			other, _ := age.GenerateX25519Identity()
			doc.Vouches = []vouchJSON{vouch([]byte(other.String()), nm, b.KeyFingerprint(), doc.Master)}
		}),
	} {
		if rel, _ := b.CompareKeys(doc); rel != KeysNewer {
			t.Fatalf("%s: the forged document does not even claim to be newer (%v)", name, rel)
		}
		if err := b.AdoptKeys(doc, rec); !errors.Is(err, errNotVouched) {
			t.Errorf("%s: AdoptKeys = %v, want it refused as not vouched", name, err)
		}
	}

	for range 2 {
		if _, err := a.Rekey(&RekeyOptions{Passphrases: []string{pass}}); err != nil {
			t.Fatal(err)
		}
	}
	newKeys, _ := a.Keys()
	if err := b.AdoptKeys(newKeys, rec); err != nil {
		t.Fatalf("two rekeys later, the recovery code: %v", err)
	}
	if b.KeyFingerprint() != a.KeyFingerprint() {
		t.Error("b did not take a's key")
	}
}

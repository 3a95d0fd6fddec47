package export

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/scrypt"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Aegis's key derivation, fixed by its format (docs/vault.md in
// beemdevelopment/Aegis): scrypt N=2^15, r=8, p=1, a 32-byte salt.
const (
	aegisN       = 1 << 15
	aegisR       = 8
	aegisP       = 1
	aegisVersion = 1 // the file's version
	aegisDBVer   = 3 // the content's version: entries with group UUIDs, and a group list
)

type aegisFile struct {
	Version int         `json:"version"`
	Header  aegisHeader `json:"header"`
	DB      any         `json:"db"` // aegisDB, or the base64 ciphertext of it
}

type aegisHeader struct {
	Slots  []aegisSlot  `json:"slots"`  // null when plain
	Params *aegisParams `json:"params"` // null when plain
}

type aegisParams struct {
	Nonce string `json:"nonce"` // hex
	Tag   string `json:"tag"`   // hex
}

type aegisSlot struct {
	Type      int         `json:"type"` // 1: password
	UUID      string      `json:"uuid"`
	Key       string      `json:"key"` // hex, the master key encrypted, without its tag
	KeyParams aegisParams `json:"key_params"`
	N         int         `json:"n"`
	R         int         `json:"r"`
	P         int         `json:"p"`
	Salt      string      `json:"salt"` // hex
	// Repaired tells Aegis the key was derived from the password's UTF-8
	// bytes (older Aegis versions derived it otherwise).
	Repaired bool `json:"repaired"`
	IsBackup bool `json:"is_backup"`
}

type aegisDB struct {
	Version int          `json:"version"`
	Entries []aegisEntry `json:"entries"`
	Groups  []aegisGroup `json:"groups"`
}

type aegisGroup struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

type aegisEntry struct {
	Type     string    `json:"type"` // totp, hotp, steam
	UUID     string    `json:"uuid"`
	Name     string    `json:"name"` // the account
	Issuer   string    `json:"issuer"`
	Note     string    `json:"note"`
	Favorite bool      `json:"favorite"`
	Icon     *string   `json:"icon"` // always null: Tessera's icons are references, not images
	Info     aegisInfo `json:"info"`
	Groups   []string  `json:"groups"`
}

type aegisInfo struct {
	Secret  string  `json:"secret"` // base32, no padding
	Algo    string  `json:"algo"`
	Digits  int     `json:"digits"`
	Period  int     `json:"period,omitempty"`
	Counter *uint64 `json:"counter,omitempty"`
}

// Aegis writes the OTP entries as an Aegis vault export, which Aegis on
// Android imports: plain when password is empty, else encrypted with a
// password slot as Aegis's format document specifies. Tags become Aegis
// groups; icons are not carried (Aegis embeds images, Tessera keeps
// references).
func Aegis(w io.Writer, entries []vault.Entry, password string) (Result, error) {
	var r Result
	db := aegisDB{Version: aegisDBVer, Entries: []aegisEntry{}, Groups: []aegisGroup{}}
	groups := map[string]string{}
	for i := range entries {
		e := &entries[i]
		if e.Deleted || !otpOnly(&r, e, "Aegis") {
			continue
		}
		c := credential(e)
		ae := aegisEntry{
			Type: c.Kind.String(), UUID: stableUUID("entry", e.ID), Name: e.Account, Issuer: e.Issuer,
			Note: e.Note, Favorite: e.Favourite, Groups: []string{},
			Info: aegisInfo{Secret: otp.EncodeSecret(c.Secret), Algo: c.Algorithm.String(), Digits: c.EffectiveDigits()},
		}
		if c.Kind == otp.HOTP {
			n := c.Counter
			ae.Info.Counter = &n
		} else {
			ae.Info.Period = c.EffectivePeriod()
		}
		for _, t := range e.Tags {
			id, ok := groups[t]
			if !ok {
				id = stableUUID("group", t)
				groups[t] = id
				db.Groups = append(db.Groups, aegisGroup{UUID: id, Name: t})
			}
			if !slices.Contains(ae.Groups, id) {
				ae.Groups = append(ae.Groups, id)
			}
		}
		db.Entries = append(db.Entries, ae)
		r.Written++
	}
	f := aegisFile{Version: aegisVersion, DB: db}
	if password != "" {
		content, err := json.Marshal(db)
		if err != nil {
			return r, err
		}
		defer clear(content)
		if f.Header, f.DB, err = aegisEncrypt(content, password); err != nil {
			return r, err
		}
	}
	out, err := json.MarshalIndent(f, "", "    ")
	if err != nil {
		return r, err
	}
	defer clear(out)
	_, err = w.Write(append(out, '\n'))
	return r, err
}

// aegisEncrypt seals content under a new random master key, wrapped in a
// password slot.
func aegisEncrypt(content []byte, password string) (aegisHeader, string, error) {
	master := make([]byte, 32)
	salt := make([]byte, 32)
	rand.Read(master)
	rand.Read(salt)
	defer clear(master)
	kek, err := scrypt.Key([]byte(password), salt, aegisN, aegisR, aegisP, 32)
	if err != nil {
		return aegisHeader{}, "", fmt.Errorf("aegis: deriving the key: %w", err)
	}
	defer clear(kek)
	keyCT, keyNonce, keyTag, err := gcmSeal(kek, master)
	if err != nil {
		return aegisHeader{}, "", err
	}
	dbCT, dbNonce, dbTag, err := gcmSeal(master, content)
	if err != nil {
		return aegisHeader{}, "", err
	}
	slot := aegisSlot{
		Type: 1, UUID: newUUID(), Key: hex.EncodeToString(keyCT),
		KeyParams: aegisParams{Nonce: hex.EncodeToString(keyNonce), Tag: hex.EncodeToString(keyTag)},
		N:         aegisN, R: aegisR, P: aegisP, Salt: hex.EncodeToString(salt), Repaired: true,
	}
	h := aegisHeader{Slots: []aegisSlot{slot}, Params: &aegisParams{Nonce: hex.EncodeToString(dbNonce), Tag: hex.EncodeToString(dbTag)}}
	return h, base64.StdEncoding.EncodeToString(dbCT), nil
}

// gcmSeal encrypts plain with AES-256-GCM under a random 12-byte nonce and
// returns the ciphertext and the 16-byte tag apart, as Aegis stores them.
func gcmSeal(key, plain []byte) (ct, nonce, tag []byte, err error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, nil, err
	}
	nonce = make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	sealed := gcm.Seal(nil, nonce, plain, nil)
	n := len(sealed) - gcm.Overhead()
	return sealed[:n], nonce, sealed[n:], nil
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

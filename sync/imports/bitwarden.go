package imports

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Bitwarden's exports. JSON: "items" whose login.totp holds an otpauth
// URI, steam://SECRET or a bare base32 secret, with "folders". A
// password-protected JSON export holds that JSON in "data", an EncString
// ("2.iv|ciphertext|mac": AES-256-CBC and HMAC-SHA256) under keys stretched
// with HKDF from PBKDF2-SHA256 or Argon2id of the password; the KDF salt is
// the UTF-8 text of the "salt" field. CSV: one row per item, the TOTP in
// login_totp.

type bitwardenFile struct {
	Encrypted         bool   `json:"encrypted"`
	PasswordProtected bool   `json:"passwordProtected"`
	Salt              string `json:"salt"`
	KdfType           int    `json:"kdfType"`
	KdfIterations     uint64 `json:"kdfIterations"`
	KdfMemory         uint64 `json:"kdfMemory"` // MiB
	KdfParallelism    uint64 `json:"kdfParallelism"`
	Validation        string `json:"encKeyValidation_DO_NOT_EDIT"`
	Data              string `json:"data"`
	Folders           []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"folders"`
	Collections []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"collections"`
	Items []struct {
		Type          int      `json:"type"`
		Name          string   `json:"name"`
		Notes         string   `json:"notes"`
		Favorite      bool     `json:"favorite"`
		FolderID      string   `json:"folderId"`
		CollectionIDs []string `json:"collectionIds"`
		Login         *struct {
			Username string `json:"username"`
			TOTP     string `json:"totp"`
		} `json:"login"`
	} `json:"items"`
}

const (
	bitwardenPBKDF2   = 0
	bitwardenArgon2id = 1
)

func readBitwarden(data []byte, opts *Options, r *Result) error {
	var f bitwardenFile
	if err := json.Unmarshal(trimBOM(data), &f); err != nil {
		return fmt.Errorf("bitwarden: %v", jsonErr(err))
	}
	if f.Items == nil && !f.Encrypted {
		return notThis("bitwarden", `"items"`)
	}
	if f.Encrypted {
		if !f.PasswordProtected {
			return errors.New("bitwarden: this is an account-restricted export, which only the Bitwarden account that made it can open; export again as \"Password protected\" or unencrypted JSON")
		}
		pt, err := bitwardenDecrypt(&f, opts)
		if err != nil {
			return err
		}
		defer clear(pt)
		f = bitwardenFile{}
		if err := json.Unmarshal(pt, &f); err != nil {
			return fmt.Errorf("bitwarden: the decrypted data: %v", jsonErr(err))
		}
		if f.Encrypted {
			return errors.New("bitwarden: the decrypted data is encrypted again")
		}
	}
	folders := map[string]string{}
	for _, fo := range f.Folders {
		folders[fo.ID] = fo.Name
	}
	for _, c := range f.Collections {
		folders[c.ID] = c.Name
	}
	for i, it := range f.Items {
		if it.Login == nil || strings.TrimSpace(it.Login.TOTP) == "" {
			continue // a password or note without a one-time code: not ours
		}
		e, err := bitwardenTOTP(it.Login.TOTP, it.Name, it.Login.Username)
		if err != nil {
			r.problem(fmt.Sprintf("item %d", i+1), "login.totp: %v", err)
			continue
		}
		e.Note = it.Notes
		e.Favourite = it.Favorite
		e.Tags = addTag(e.Tags, folders[it.FolderID])
		for _, c := range it.CollectionIDs {
			e.Tags = addTag(e.Tags, folders[c])
		}
		r.add(fmt.Sprintf("item %d", i+1), e)
	}
	return nil
}

// bitwardenTOTP reads a login's TOTP field: an otpauth URI, steam://SECRET
// or a bare base32 secret. The item's name and user name name the entry;
// the URI's own names fill in where they are empty.
func bitwardenTOTP(totp, name, username string) (vault.Entry, error) {
	totp = strings.TrimSpace(totp)
	var e vault.Entry
	lower := strings.ToLower(totp)
	if strings.HasPrefix(lower, "otpauth:") || strings.HasPrefix(lower, "steam:") {
		var err error
		if e, err = uriEntry(totp); err != nil {
			return e, err
		}
		if strings.HasPrefix(lower, "steam:") {
			e.Issuer = ""
		}
	} else {
		secret, err := decodeSecret(totp)
		if err != nil {
			return e, err
		}
		e = otpEntry(otp.TOTP, otp.SHA1, 0, 0, 0, secret, "", "")
	}
	if n := strings.TrimSpace(name); n != "" {
		e.Issuer = n
	}
	if u := strings.TrimSpace(username); u != "" {
		e.Account = u
	}
	return e, nil
}

func bitwardenDecrypt(f *bitwardenFile, opts *Options) ([]byte, error) {
	var key []byte
	var err error
	// Check the costs before asking for the passphrase.
	switch f.KdfType {
	case bitwardenPBKDF2:
		if f.KdfIterations < 1 || f.KdfIterations > maxPBKDF2Rounds {
			return nil, &CostError{"bitwarden", "kdfIterations", f.KdfIterations, maxPBKDF2Rounds}
		}
	case bitwardenArgon2id:
		if f.KdfMemory > maxArgon2Memory>>20 {
			return nil, &CostError{"bitwarden", "kdfMemory", f.KdfMemory, maxArgon2Memory >> 20}
		}
	default:
		return nil, fmt.Errorf("bitwarden: kdfType %d unknown (want 0, PBKDF2, or 1, Argon2id)", f.KdfType)
	}
	validation, err1 := parseEncString(f.Validation)
	data, err2 := parseEncString(f.Data)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("bitwarden: %v", err)
	}
	pass, err := passphrase(opts)
	if err != nil {
		return nil, err
	}
	switch f.KdfType {
	case bitwardenPBKDF2:
		key, err = pbkdf2Key("bitwarden", sha256.New, pass, []byte(f.Salt), int(f.KdfIterations), 32)
	case bitwardenArgon2id:
		salt := sha256.Sum256([]byte(f.Salt))
		key, err = argon2Key("bitwarden", pass, salt[:], f.KdfIterations, f.KdfMemory<<20, f.KdfParallelism)
	}
	if err != nil {
		return nil, err
	}
	defer clear(key)
	encKey, err1 := hkdf.Expand(sha256.New, key, "enc", 32)
	macKey, err2 := hkdf.Expand(sha256.New, key, "mac", 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	defer clear(encKey)
	defer clear(macKey)
	if _, err := validation.open(encKey, macKey); err != nil {
		return nil, wrongPass("bitwarden")
	}
	pt, err := data.open(encKey, macKey)
	if err != nil {
		return nil, errors.New("bitwarden: data does not decrypt with the key that opens encKeyValidation_DO_NOT_EDIT: the file is damaged")
	}
	return pt, nil
}

// encString is Bitwarden's type 2 cipher string.
type encString struct{ iv, ct, mac []byte }

func parseEncString(s string) (encString, error) {
	typ, rest, ok := strings.Cut(s, ".")
	if !ok || typ != "2" {
		return encString{}, errors.New("an encrypted field is not a type 2 cipher string (2.iv|data|mac)")
	}
	parts := strings.Split(rest, "|")
	if len(parts) != 3 {
		return encString{}, errors.New("an encrypted field does not have three parts iv|data|mac")
	}
	var out [3][]byte
	for i, p := range parts {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil {
			return encString{}, errors.New("an encrypted field is not valid base64")
		}
		out[i] = b
	}
	return encString{out[0], out[1], out[2]}, nil
}

func (e encString) open(encKey, macKey []byte) ([]byte, error) {
	if !hmac.Equal(hmacSHA256(macKey, e.iv, e.ct), e.mac) {
		return nil, errAuth
	}
	return cbcOpen(encKey, e.iv, e.ct)
}

func readBitwardenCSV(data []byte, _ *Options, r *Result) error {
	return readCSV(data, r, "bitwarden-csv", "login_totp", func(totp string, get func(string) string) (vault.Entry, error) {
		e, err := bitwardenTOTP(totp, get("name"), get("login_username"))
		if err != nil {
			return e, err
		}
		e.Note = get("notes")
		e.Favourite = get("favorite") == "1"
		e.Tags = addTag(e.Tags, get("folder"))
		return e, nil
	})
}

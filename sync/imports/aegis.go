package imports

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Aegis's vault format, as docs/vault.md in beemdevelopment/Aegis
// describes it: a header of key slots and the entries in "db", a JSON
// object when plain and base64 AES-256-GCM ciphertext when encrypted.

type aegisFile struct {
	Version int `json:"version"`
	Header  struct {
		Slots  []aegisSlot  `json:"slots"`
		Params *aegisParams `json:"params"`
	} `json:"header"`
	DB json.RawMessage `json:"db"`
}

type aegisParams struct {
	Nonce string `json:"nonce"`
	Tag   string `json:"tag"`
}

type aegisSlot struct {
	Type      int         `json:"type"`
	Key       string      `json:"key"`
	KeyParams aegisParams `json:"key_params"`
	N         int         `json:"n"`
	R         int         `json:"r"`
	P         int         `json:"p"`
	Salt      string      `json:"salt"`
}

type aegisDB struct {
	Version int          `json:"version"`
	Entries []aegisEntry `json:"entries"`
	Groups  []struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	} `json:"groups"`
}

type aegisEntry struct {
	Type     string          `json:"type"`
	Name     string          `json:"name"`
	Issuer   string          `json:"issuer"`
	Note     string          `json:"note"`
	Favorite bool            `json:"favorite"`
	Icon     json.RawMessage `json:"icon"`
	Group    string          `json:"group"`  // db version 1
	Groups   []string        `json:"groups"` // db version 3: group UUIDs
	Info     struct {
		Secret  string `json:"secret"`
		Algo    string `json:"algo"`
		Digits  int    `json:"digits"`
		Period  int    `json:"period"`
		Counter uint64 `json:"counter"`
	} `json:"info"`
}

const aegisSlotPassword = 1

func readAegis(data []byte, opts *Options, r *Result) error {
	var f aegisFile
	if err := json.Unmarshal(trimBOM(data), &f); err != nil {
		return fmt.Errorf("aegis: %v", jsonErr(err))
	}
	if len(f.DB) == 0 || string(f.DB) == "null" {
		return notThis("aegis", `"db"`)
	}
	if f.Version != 1 {
		return fmt.Errorf("aegis: file version %d not supported (want 1)", f.Version)
	}
	dbJSON := []byte(f.DB)
	if len(dbJSON) > 0 && dbJSON[0] == '"' {
		pt, err := aegisDecrypt(&f, opts)
		if err != nil {
			return err
		}
		dbJSON = pt
	}
	var db aegisDB
	if err := json.Unmarshal(dbJSON, &db); err != nil {
		return fmt.Errorf("aegis: db: %v", jsonErr(err))
	}
	if db.Version < 1 || db.Version > 3 {
		return fmt.Errorf("aegis: db version %d not supported (want 1 to 3)", db.Version)
	}
	groups := map[string]string{}
	for _, g := range db.Groups {
		groups[g.UUID] = g.Name
	}
	for i, ae := range db.Entries {
		e, err := ae.entry(groups)
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		if len(ae.Icon) > 0 && string(ae.Icon) != "null" {
			r.drop("icon image")
		}
		r.add(pos(i), e)
	}
	return nil
}

func (ae *aegisEntry) entry(groups map[string]string) (vault.Entry, error) {
	var kind otp.Kind
	switch strings.ToLower(ae.Type) {
	case "totp":
		kind = otp.TOTP
	case "hotp":
		kind = otp.HOTP
	case "steam":
		kind = otp.Steam
	case "yandex", "motp":
		return vault.Entry{}, fmt.Errorf("%s codes are not supported by Tessera", ae.Type)
	default:
		return vault.Entry{}, fmt.Errorf("type %q unknown", clipText(ae.Type))
	}
	alg, err := parseAlgorithm(ae.Info.Algo)
	if err != nil {
		return vault.Entry{}, err
	}
	secret, err := decodeSecret(ae.Info.Secret)
	if err != nil {
		return vault.Entry{}, err
	}
	e := otpEntry(kind, alg, ae.Info.Digits, ae.Info.Period, ae.Info.Counter, secret, ae.Issuer, ae.Name)
	e.Note = ae.Note
	e.Favourite = ae.Favorite
	e.Tags = addTag(e.Tags, ae.Group)
	for _, id := range ae.Groups {
		e.Tags = addTag(e.Tags, groups[id])
	}
	return e, nil
}

// aegisDecrypt opens the master key with the first password slot the
// passphrase fits, then the db.
func aegisDecrypt(f *aegisFile, opts *Options) ([]byte, error) {
	if f.Header.Params == nil {
		return nil, errors.New("aegis: db is encrypted but header.params is missing")
	}
	var slots []aegisSlot
	for _, s := range f.Header.Slots {
		if s.Type == aegisSlotPassword {
			slots = append(slots, s)
		}
	}
	if len(slots) == 0 {
		return nil, errors.New("aegis: the vault has no password slot (only biometric ones); export it again with a password")
	}
	// Check every slot's costs before asking for the passphrase.
	for i, s := range slots {
		if err := scryptCheck("aegis", s.N, s.R, s.P); err != nil {
			return nil, fmt.Errorf("%w (in password slot %d)", err, i+1)
		}
	}
	pass, err := passphrase(opts)
	if err != nil {
		return nil, err
	}
	var master []byte
	for i, s := range slots {
		salt, err1 := hex.DecodeString(s.Salt)
		nonce, err2 := hex.DecodeString(s.KeyParams.Nonce)
		tag, err3 := hex.DecodeString(s.KeyParams.Tag)
		key, err4 := hex.DecodeString(s.Key)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, fmt.Errorf("aegis: slot %d: a hexadecimal field is not valid", i+1)
		}
		kek, err := scryptKey("aegis", pass, salt, s.N, s.R, s.P)
		if err != nil {
			return nil, err
		}
		m, err := gcmOpen(kek, nonce, append(key, tag...), nil)
		clear(kek)
		if err == nil {
			master = m
			break
		}
	}
	if master == nil {
		return nil, wrongPass("aegis")
	}
	defer clear(master)
	nonce, err1 := hex.DecodeString(f.Header.Params.Nonce)
	tag, err2 := hex.DecodeString(f.Header.Params.Tag)
	var b64 string
	err3 := json.Unmarshal(f.DB, &b64)
	ct, err4 := base64.StdEncoding.DecodeString(b64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, errors.New("aegis: header.params or db is not valid hexadecimal or base64")
	}
	pt, err := gcmOpen(master, nonce, append(ct, tag...), nil)
	if err != nil {
		return nil, errors.New("aegis: the db does not decrypt with the master key: the file is damaged")
	}
	return pt, nil
}

// jsonErr describes a JSON error without quoting the input.
func jsonErr(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %s holds a JSON %s where %s was expected (at byte %d)", te.Field, te.Value, te.Type, te.Offset)
		}
		return fmt.Sprintf("holds a JSON %s where %s was expected (at byte %d)", te.Value, te.Type, te.Offset)
	}
	return "not valid JSON"
}

// clipText shortens a text from a file for a message.
func clipText(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

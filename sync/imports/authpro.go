package imports

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
)

// Authenticator Pro / Stratum backups: JSON with "Authenticators",
// "Categories" and "AuthenticatorCategories", or that JSON encrypted after
// a 16-byte header: "AUTHENTICATORPRO" (Argon2id t=3, 64 MiB, p=4, 16-byte
// salt, 12-byte IV, AES-256-GCM) or the older "AuthenticatorPro"
// (PBKDF2-SHA1 64,000 rounds, 20-byte salt, 16-byte IV, AES-256-CBC).

const (
	authProHeader       = "AUTHENTICATORPRO"
	authProLegacyHeader = "AuthenticatorPro"
	authProRounds       = 64000
)

type authProFile struct {
	Authenticators []struct {
		Type      int    `json:"Type"`
		Icon      string `json:"Icon"`
		Issuer    string `json:"Issuer"`
		Username  string `json:"Username"`
		Secret    string `json:"Secret"`
		Algorithm int    `json:"Algorithm"`
		Digits    int    `json:"Digits"`
		Period    int    `json:"Period"`
		Counter   uint64 `json:"Counter"`
		CopyCount int    `json:"CopyCount"`
	} `json:"Authenticators"`
	Categories []struct {
		ID   string `json:"Id"`
		Name string `json:"Name"`
	} `json:"Categories"`
	AuthenticatorCategories []struct {
		CategoryID          string `json:"CategoryId"`
		AuthenticatorSecret string `json:"AuthenticatorSecret"`
	} `json:"AuthenticatorCategories"`
}

func readAuthPro(data []byte, opts *Options, r *Result) error {
	text := trimBOM(data)
	switch {
	case len(data) >= 16 && string(data[:16]) == authProHeader:
		pt, err := authProDecrypt(data[16:], opts)
		if err != nil {
			return err
		}
		defer clear(pt)
		text = pt
	case len(data) >= 16 && string(data[:16]) == authProLegacyHeader:
		pt, err := authProDecryptLegacy(data[16:], opts)
		if err != nil {
			return err
		}
		defer clear(pt)
		text = pt
	}
	var f authProFile
	if err := json.Unmarshal(text, &f); err != nil {
		return fmt.Errorf("authpro: %v", jsonErr(err))
	}
	if f.Authenticators == nil {
		return notThis("authpro", `"Authenticators"`)
	}
	cats := map[string]string{}
	for _, c := range f.Categories {
		cats[c.ID] = c.Name
	}
	tags := map[string][]string{}
	for _, ac := range f.AuthenticatorCategories {
		tags[ac.AuthenticatorSecret] = addTag(tags[ac.AuthenticatorSecret], cats[ac.CategoryID])
	}
	for i, a := range f.Authenticators {
		var kind otp.Kind
		switch a.Type {
		case 1:
			kind = otp.HOTP
		case 2:
			kind = otp.TOTP
		case 4:
			kind = otp.Steam
		case 3, 5:
			r.problem(pos(i), "%s codes are not supported by Tessera", map[int]string{3: "mOTP", 5: "Yandex"}[a.Type])
			continue
		default:
			r.problem(pos(i), "type %d unknown", a.Type)
			continue
		}
		alg := otp.Algorithm(0)
		switch a.Algorithm {
		case 0:
			alg = otp.SHA1
		case 1:
			alg = otp.SHA256
		case 2:
			alg = otp.SHA512
		default:
			r.problem(pos(i), "algorithm %d unknown", a.Algorithm)
			continue
		}
		secret, err := decodeSecret(a.Secret)
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		e := otpEntry(kind, alg, a.Digits, a.Period, a.Counter, secret, a.Issuer, a.Username)
		e.Tags = tags[a.Secret]
		e.Uses = max(a.CopyCount, 0)
		if strings.HasPrefix(a.Icon, "@") {
			r.drop("custom icon image")
		}
		r.add(pos(i), e)
	}
	return nil
}

func authProDecrypt(b []byte, opts *Options) ([]byte, error) {
	const saltLen, ivLen = 16, 12
	if len(b) < saltLen+ivLen+16 {
		return nil, errors.New("authpro: the encrypted backup is truncated")
	}
	pass, err := passphrase(opts)
	if err != nil {
		return nil, err
	}
	key, err := argon2Key("authpro", pass, b[:saltLen], 3, 64<<20, 4)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	pt, err := gcmOpen(key, b[saltLen:saltLen+ivLen], b[saltLen+ivLen:], nil)
	if err != nil {
		return nil, wrongPass("authpro")
	}
	return pt, nil
}

func authProDecryptLegacy(b []byte, opts *Options) ([]byte, error) {
	const saltLen, ivLen = 20, 16
	if len(b) < saltLen+ivLen+16 {
		return nil, errors.New("authpro: the encrypted backup is truncated")
	}
	pass, err := passphrase(opts)
	if err != nil {
		return nil, err
	}
	key, err := pbkdf2Key("authpro", sha1New, pass, b[:saltLen], authProRounds, 32)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	pt, err := cbcOpen(key, b[saltLen:saltLen+ivLen], b[saltLen+ivLen:])
	// CBC has no MAC: a wrong key shows as bad padding or as bytes that are
	// not the JSON object a backup holds.
	if err != nil || !json.Valid(pt) || !strings.HasPrefix(strings.TrimSpace(string(trimBOM(pt))), "{") {
		clear(pt)
		return nil, wrongPass("authpro")
	}
	return pt, nil
}

package imports

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// andOTP's backups: a JSON array of entries, or that array encrypted with
// AES-256-GCM, keyed by PBKDF2-HMAC-SHA1 (4-byte big-endian round count,
// 12-byte salt, 12-byte nonce, then the ciphertext) or, in files from
// before andOTP 0.6.3, by the SHA-256 of the password (12-byte nonce, then
// the ciphertext).

type andotpEntry struct {
	Secret    string   `json:"secret"`
	Issuer    string   `json:"issuer"`
	Label     string   `json:"label"`
	Digits    int      `json:"digits"`
	Type      string   `json:"type"`
	Algorithm string   `json:"algorithm"`
	Period    int      `json:"period"`
	Counter   uint64   `json:"counter"`
	Tags      []string `json:"tags"`
}

const (
	andotpSaltLen  = 12
	andotpNonceLen = 12
	andotpTagLen   = 16
)

func readAndOTP(data []byte, opts *Options, r *Result) error {
	text := trimBOM(data)
	if t := strings.TrimSpace(string(text)); !strings.HasPrefix(t, "[") {
		pt, err := andotpDecrypt(data, opts)
		if err != nil {
			return err
		}
		text = pt
	}
	var entries []andotpEntry
	if err := json.Unmarshal(text, &entries); err != nil {
		return fmt.Errorf("andotp: %v", jsonErr(err))
	}
	for i, a := range entries {
		e, err := a.entry()
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		r.add(pos(i), e)
	}
	return nil
}

func (a *andotpEntry) entry() (vault.Entry, error) {
	kind := otp.TOTP
	switch strings.ToUpper(a.Type) {
	case "", "TOTP":
	case "HOTP":
		kind = otp.HOTP
	case "STEAM":
		kind = otp.Steam
	default:
		return vault.Entry{}, fmt.Errorf("type %q not supported by Tessera", clipText(a.Type))
	}
	alg, err := parseAlgorithm(a.Algorithm)
	if err != nil {
		return vault.Entry{}, err
	}
	secret, err := decodeSecret(a.Secret)
	if err != nil {
		return vault.Entry{}, err
	}
	issuer, account := a.Issuer, a.Label
	// Older andOTP versions had no issuer field and kept "Issuer - account"
	// or "Issuer:account" in the label.
	if issuer == "" {
		if p, rest, ok := strings.Cut(account, ":"); ok {
			issuer, account = p, rest
		} else if p, rest, ok := strings.Cut(account, " - "); ok {
			issuer, account = p, rest
		}
	}
	e := otpEntry(kind, alg, a.Digits, a.Period, a.Counter, secret, issuer, account)
	for _, t := range a.Tags {
		e.Tags = addTag(e.Tags, t)
	}
	return e, nil
}

// andotpDecrypt tries the current form and then the old one: a file does
// not say which it is.
func andotpDecrypt(data []byte, opts *Options) ([]byte, error) {
	if len(data) < andotpNonceLen+andotpTagLen {
		return nil, errors.New("andotp: the file is too short to be an andOTP backup")
	}
	var rounds uint32
	current := len(data) >= 4+andotpSaltLen+andotpNonceLen+andotpTagLen
	if current {
		rounds = binary.BigEndian.Uint32(data)
		if uint64(rounds) > maxPBKDF2Rounds || rounds == 0 {
			current = false // or an old file, whose first bytes are its nonce
		}
	}
	pass, err := passphrase(opts)
	if err != nil {
		return nil, err
	}
	if current {
		salt := data[4 : 4+andotpSaltLen]
		nonce := data[4+andotpSaltLen : 4+andotpSaltLen+andotpNonceLen]
		key, err := pbkdf2Key("andotp", sha1New, pass, salt, int(rounds), 32)
		if err != nil {
			return nil, err
		}
		pt, err := gcmOpen(key, nonce, data[4+andotpSaltLen+andotpNonceLen:], nil)
		clear(key)
		if err == nil {
			return pt, nil
		}
	}
	key := sha256.Sum256(pass)
	pt, err := gcmOpen(key[:], data[:andotpNonceLen], data[andotpNonceLen:], nil)
	clear(key[:])
	if err == nil {
		return pt, nil
	}
	return nil, wrongPass("andotp")
}

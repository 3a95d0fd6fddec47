package imports

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// 2FAS's .2fas backup (schemas 1 to 4): "services" in the clear, or
// "servicesEncrypted" = base64 ciphertext, salt and IV joined by ':',
// AES-256-GCM with a PBKDF2-HMAC-SHA256 key of 10,000 rounds.

type twofasFile struct {
	Services          []twofasService `json:"services"`
	ServicesEncrypted string          `json:"servicesEncrypted"`
	SchemaVersion     int             `json:"schemaVersion"`
	Groups            []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"groups"`
}

type twofasService struct {
	Name    string `json:"name"`
	Secret  string `json:"secret"`
	Notes   string `json:"notes"`
	GroupID string `json:"groupId"`
	OTP     struct {
		Label     string `json:"label"`
		Account   string `json:"account"`
		Issuer    string `json:"issuer"`
		Digits    int    `json:"digits"`
		Period    int    `json:"period"`
		Algorithm string `json:"algorithm"`
		Counter   uint64 `json:"counter"`
		TokenType string `json:"tokenType"`
	} `json:"otp"`
}

const twofasRounds = 10000

func read2FAS(data []byte, opts *Options, r *Result) error {
	var f twofasFile
	if err := json.Unmarshal(trimBOM(data), &f); err != nil {
		return fmt.Errorf("2fas: %v", jsonErr(err))
	}
	if f.Services == nil && f.ServicesEncrypted == "" {
		return notThis("2fas", `"services"`)
	}
	if f.SchemaVersion < 1 || f.SchemaVersion > 4 {
		return fmt.Errorf("2fas: schema version %d not supported (want 1 to 4)", f.SchemaVersion)
	}
	services := f.Services
	if f.ServicesEncrypted != "" {
		pt, err := twofasDecrypt(f.ServicesEncrypted, opts)
		if err != nil {
			return err
		}
		services = nil
		if err := json.Unmarshal(pt, &services); err != nil {
			return fmt.Errorf("2fas: the decrypted services: %v", jsonErr(err))
		}
	}
	groups := map[string]string{}
	for _, g := range f.Groups {
		groups[g.ID] = g.Name
	}
	for i, s := range services {
		e, err := s.entry()
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		e.Tags = addTag(e.Tags, groups[s.GroupID])
		r.add(pos(i), e)
	}
	return nil
}

func (s *twofasService) entry() (vault.Entry, error) {
	kind := otp.TOTP
	switch strings.ToUpper(s.OTP.TokenType) {
	case "", "TOTP":
	case "HOTP":
		kind = otp.HOTP
	case "STEAM":
		kind = otp.Steam
	default:
		return vault.Entry{}, fmt.Errorf("token type %q not supported by Tessera", clipText(s.OTP.TokenType))
	}
	alg, err := parseAlgorithm(s.OTP.Algorithm)
	if err != nil {
		return vault.Entry{}, err
	}
	secret, err := decodeSecret(s.Secret)
	if err != nil {
		return vault.Entry{}, err
	}
	issuer := s.OTP.Issuer
	if issuer == "" && s.Name != s.OTP.Account {
		// The service name stands for the issuer, unless it merely repeats
		// the account (what exports of entries without an issuer write).
		issuer = s.Name
	}
	account := s.OTP.Account
	if account == "" {
		account = s.OTP.Label
		if p, a, ok := strings.Cut(account, ":"); ok && strings.TrimSpace(p) == issuer {
			account = a
		}
	}
	e := otpEntry(kind, alg, s.OTP.Digits, s.OTP.Period, s.OTP.Counter, secret, issuer, account)
	e.Note = s.Notes
	return e, nil
}

func twofasDecrypt(enc string, opts *Options) ([]byte, error) {
	parts := strings.Split(enc, ":")
	if len(parts) < 3 {
		return nil, errors.New("2fas: servicesEncrypted is not ciphertext:salt:iv")
	}
	ct, err1 := base64.StdEncoding.DecodeString(parts[0])
	salt, err2 := base64.StdEncoding.DecodeString(parts[1])
	iv, err3 := base64.StdEncoding.DecodeString(parts[2])
	if errors.Join(err1, err2, err3) != nil || len(iv) == 0 {
		return nil, errors.New("2fas: servicesEncrypted is not base64 ciphertext:salt:iv")
	}
	pass, err := passphrase(opts)
	if err != nil {
		return nil, err
	}
	key, err := pbkdf2Key("2fas", sha256New, pass, salt, twofasRounds, 32)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	pt, err := gcmOpen(key, iv, ct, nil)
	if err != nil {
		return nil, wrongPass("2fas")
	}
	return pt, nil
}

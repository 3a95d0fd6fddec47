package export

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// 2FAS's backup format (schema 4, as 2FAS for Android and iOS write it):
// the services list, in clear or as servicesEncrypted
// "base64(ciphertext+tag):base64(salt):base64(iv)" with AES-256-GCM under
// PBKDF2-HMAC-SHA256 (10,000 iterations, 256-byte salt) of the password;
// "reference" is 2FAS's fixed text encrypted the same way, by which the
// app checks a password before decrypting the services.
const (
	twoFASSchema     = 4
	twoFASIterations = 10000
	twoFASSaltSize   = 256
	// TwoFASReference is the text 2FAS encrypts as "reference" (a
	// constant of its format, BackupContent.Reference in 2fas-android).
	TwoFASReference = "tRViSsLKzd86Hprh4ceC2OP7xazn4rrt4xhfEUbOjxLX8Rc3mkISXE0lWbmnWfggogbBJhtYgpK6fMl1D6mtsy92R3HkdGfwuXbzLebqVFJsR7IZ2w58t938iymwG4824igYy1wi6n2WDpO1Q1P69zwJGs2F5a1qP4MyIiDSD7NCV2OvidXQCBnDlGfmz0f1BQySRkkt4ryiJeCjD2o4QsveJ9uDBUn8ELyOrESv5R5DMDkD4iAF8TXU7KyoJujd"
)

type twoFASFile struct {
	Services          []twoFASService `json:"services"`
	Groups            []twoFASGroup   `json:"groups"`
	UpdatedAt         int64           `json:"updatedAt"`
	SchemaVersion     int             `json:"schemaVersion"`
	AppVersionCode    int             `json:"appVersionCode"`
	AppVersionName    string          `json:"appVersionName"`
	AppOrigin         string          `json:"appOrigin"`
	ServicesEncrypted string          `json:"servicesEncrypted,omitempty"`
	Reference         string          `json:"reference,omitempty"`
}

type twoFASGroup struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	IsExpanded bool   `json:"isExpanded"`
	UpdatedAt  int64  `json:"updatedAt"`
}

type twoFASService struct {
	Name          string      `json:"name"`
	Secret        string      `json:"secret"`
	UpdatedAt     int64       `json:"updatedAt"`
	ServiceTypeID *string     `json:"serviceTypeID"`
	OTP           twoFASOTP   `json:"otp"`
	Order         twoFASOrder `json:"order"`
	Badge         *struct{}   `json:"badge"`
	Icon          *struct{}   `json:"icon"`
	GroupID       *string     `json:"groupId"`
}

type twoFASOTP struct {
	Link      string  `json:"link"`
	Label     string  `json:"label"`
	Account   string  `json:"account"`
	Issuer    string  `json:"issuer"`
	Digits    int     `json:"digits"`
	Period    int     `json:"period,omitempty"`
	Algorithm string  `json:"algorithm"`
	Counter   *uint64 `json:"counter,omitempty"`
	TokenType string  `json:"tokenType"` // TOTP, HOTP, STEAM
	Source    string  `json:"source"`
}

type twoFASOrder struct {
	Position int `json:"position"`
}

// TwoFAS writes the OTP entries as a 2FAS backup (.2fas), plain when
// password is empty, else password-protected as 2FAS itself protects
// them. An entry's first tag becomes its 2FAS group (2FAS has one group
// per service); notes and favourites have no place in the format.
func TwoFAS(w io.Writer, entries []vault.Entry, password string, now time.Time) (Result, error) {
	var r Result
	ms := now.UnixMilli()
	f := twoFASFile{Services: []twoFASService{}, Groups: []twoFASGroup{}, UpdatedAt: ms, SchemaVersion: twoFASSchema,
		AppVersionCode: 1, AppVersionName: "tessera", AppOrigin: "android"}
	groups := map[string]string{}
	for i := range entries {
		e := &entries[i]
		if e.Deleted || !otpOnly(&r, e, "2FAS") {
			continue
		}
		c := credential(e)
		name := e.Issuer
		if name == "" {
			name = e.Account
		}
		s := twoFASService{
			Name: name, Secret: otp.EncodeSecret(c.Secret), UpdatedAt: e.Modified.UnixMilli(),
			OTP: twoFASOTP{
				Link: otp.FormatURI(&c), Label: e.Label(), Account: e.Account, Issuer: e.Issuer,
				Digits: c.EffectiveDigits(), Algorithm: c.Algorithm.String(), TokenType: strings.ToUpper(c.Kind.String()), Source: "Link",
			},
			Order: twoFASOrder{Position: r.Written},
		}
		if c.Kind == otp.HOTP {
			n := c.Counter
			s.OTP.Counter = &n
		} else {
			s.OTP.Period = c.EffectivePeriod()
		}
		if len(e.Tags) > 0 {
			id, ok := groups[e.Tags[0]]
			if !ok {
				id = stableUUID("group", e.Tags[0])
				groups[e.Tags[0]] = id
				f.Groups = append(f.Groups, twoFASGroup{ID: id, Name: e.Tags[0], IsExpanded: true, UpdatedAt: ms})
			}
			s.GroupID = &id
		}
		f.Services = append(f.Services, s)
		r.Written++
	}
	if password != "" {
		services, err := json.Marshal(f.Services)
		if err != nil {
			return r, err
		}
		defer clear(services)
		salt := make([]byte, twoFASSaltSize)
		rand.Read(salt)
		key, err := pbkdf2.Key(sha256.New, password, salt, twoFASIterations, 32)
		if err != nil {
			return r, err
		}
		defer clear(key)
		if f.ServicesEncrypted, err = twoFASSeal(key, salt, services); err != nil {
			return r, err
		}
		if f.Reference, err = twoFASSeal(key, salt, []byte(TwoFASReference)); err != nil {
			return r, err
		}
		f.Services = []twoFASService{}
	}
	out, err := json.Marshal(f)
	if err != nil {
		return r, err
	}
	defer clear(out)
	_, err = w.Write(out)
	return r, err
}

// twoFASSeal encrypts plain as 2FAS does: "ct+tag:salt:iv", each base64.
func twoFASSeal(key, salt, plain []byte) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	iv := make([]byte, gcm.NonceSize())
	rand.Read(iv)
	ct := gcm.Seal(nil, iv, plain, nil)
	enc := base64.StdEncoding
	return enc.EncodeToString(ct) + ":" + enc.EncodeToString(salt) + ":" + enc.EncodeToString(iv), nil
}

package imports

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
)

// Steam Desktop Authenticator's .maFile: the account's base64
// shared_secret (the Steam Guard code key), its name and revocation code,
// and secrets for trade confirmations that Tessera does not use.

type maFile struct {
	SharedSecret   string `json:"shared_secret"`
	AccountName    string `json:"account_name"`
	RevocationCode string `json:"revocation_code"`
	IdentitySecret string `json:"identity_secret"`
}

func readSteam(data []byte, _ *Options, r *Result) error {
	text := strings.TrimSpace(string(trimBOM(data)))
	if !strings.HasPrefix(text, "{") {
		return errors.New("steam: the .maFile is not JSON; if Steam Desktop Authenticator encrypts its files, remove the encryption there (Manage Encryption) and export again")
	}
	var f maFile
	if err := json.Unmarshal([]byte(text), &f); err != nil {
		return fmt.Errorf("steam: %v", jsonErr(err))
	}
	if f.SharedSecret == "" {
		return notThis("steam", `"shared_secret"`)
	}
	secret, err := base64.StdEncoding.DecodeString(f.SharedSecret)
	if err != nil || len(secret) == 0 {
		r.problem("shared_secret", "not valid base64")
		return nil
	}
	e := otpEntry(otp.Steam, otp.SHA1, 0, 0, 0, secret, "Steam", f.AccountName)
	if f.RevocationCode != "" {
		e.Note = "Steam revocation code: " + f.RevocationCode
	}
	if f.IdentitySecret != "" {
		r.drop("Steam trade confirmation key (identity_secret)")
	}
	r.add("account", e)
	return nil
}

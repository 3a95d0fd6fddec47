package imports

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tessera-auth/tessera/otp"
)

// Steam Desktop Authenticator keeps one .maFile per account: the base64
// shared_secret (the Steam Guard code key), the account name and its
// revocation code, and secrets for trade confirmations that Tessera does
// not use. With encryption on, each .maFile is base64 of AES-256-CBC
// ciphertext under a PBKDF2-HMAC-SHA1 key (50,000 rounds), and the
// folder's manifest.json lists every file with its salt and IV.

type maFile struct {
	SharedSecret   string `json:"shared_secret"`
	AccountName    string `json:"account_name"`
	RevocationCode string `json:"revocation_code"`
	IdentitySecret string `json:"identity_secret"`
}

type sdaManifest struct {
	Encrypted bool `json:"encrypted"`
	Entries   []struct {
		IV       string `json:"encryption_iv"`
		Salt     string `json:"encryption_salt"`
		Filename string `json:"filename"`
	} `json:"entries"`
}

const sdaRounds = 50000

func readSteam(data []byte, opts *Options, r *Result) error {
	text := strings.TrimSpace(string(trimBOM(data)))
	if !strings.HasPrefix(text, "{") {
		return readSteamEncrypted(text, opts, r)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &probe); err != nil {
		return fmt.Errorf("steam: %v", jsonErr(err))
	}
	if _, ok := probe["entries"]; ok {
		return readSteamManifest([]byte(text), opts, r)
	}
	return r.addMaFile("account", []byte(text))
}

// addMaFile adds the account of one decrypted .maFile.
func (r *Result) addMaFile(where string, text []byte) error {
	var f maFile
	if err := json.Unmarshal(text, &f); err != nil {
		return fmt.Errorf("steam: %s: %v", where, jsonErr(err))
	}
	if f.SharedSecret == "" {
		return notThis("steam", `"shared_secret"`)
	}
	secret, err := base64.StdEncoding.DecodeString(f.SharedSecret)
	if err != nil || len(secret) == 0 {
		r.problem(where, "shared_secret is not valid base64")
		return nil
	}
	e := otpEntry(otp.Steam, otp.SHA1, 0, 0, 0, secret, "Steam", f.AccountName)
	if f.RevocationCode != "" {
		e.Note = "Steam revocation code: " + f.RevocationCode
	}
	if f.IdentitySecret != "" {
		r.drop("Steam trade confirmation key (identity_secret)")
	}
	r.add(where, e)
	return nil
}

// manifest reads the folder's manifest.json.
func sdaReadManifest(text []byte) (*sdaManifest, error) {
	var m sdaManifest
	if err := json.Unmarshal(text, &m); err != nil {
		return nil, fmt.Errorf("steam: manifest.json: %v", jsonErr(err))
	}
	if m.Entries == nil {
		return nil, notThis("steam", `"entries" in manifest.json`)
	}
	return &m, nil
}

// readSteamManifest adds every account manifest.json lists.
func readSteamManifest(text []byte, opts *Options, r *Result) error {
	m, err := sdaReadManifest(text)
	if err != nil {
		return err
	}
	if opts.ReadRelated == nil {
		return errors.New("steam: manifest.json lists the accounts' .maFiles, which are not at hand; import it from its folder")
	}
	var pass []byte
	if m.Encrypted {
		if pass, err = passphrase(opts); err != nil {
			return err
		}
	}
	for _, e := range m.Entries {
		where := e.Filename
		if e.Filename == "" || filepath.Base(e.Filename) != e.Filename {
			r.problem(fmt.Sprintf("manifest entry %q", clipText(e.Filename)), "not a file name")
			continue
		}
		body, err := opts.ReadRelated(e.Filename)
		if err != nil {
			r.problem(where, "cannot be read: %v", err)
			continue
		}
		if m.Encrypted {
			pt, err := sdaDecrypt(string(body), e.Salt, e.IV, pass)
			if err != nil {
				return err
			}
			body = pt
		}
		if err := r.addMaFile(where, body); err != nil {
			r.problem(where, "%v", strings.TrimPrefix(err.Error(), "steam: "))
		}
	}
	return nil
}

// readSteamEncrypted reads one encrypted .maFile with the salt and IV its
// folder's manifest.json gives.
func readSteamEncrypted(text string, opts *Options, r *Result) error {
	if opts.ReadRelated == nil {
		return errors.New("steam: the .maFile is encrypted and its folder's manifest.json, which holds its salt, is not at hand; import manifest.json from that folder, or remove the encryption in Steam Desktop Authenticator")
	}
	mtext, err := opts.ReadRelated("manifest.json")
	if err != nil {
		return fmt.Errorf("steam: the .maFile is encrypted and its folder's manifest.json cannot be read: %v", err)
	}
	m, err := sdaReadManifest(mtext)
	if err != nil {
		return err
	}
	base := filepath.Base(opts.name)
	for _, e := range m.Entries {
		if e.Filename != base {
			continue
		}
		pass, err := passphrase(opts)
		if err != nil {
			return err
		}
		pt, err := sdaDecrypt(text, e.Salt, e.IV, pass)
		if err != nil {
			return err
		}
		return r.addMaFile(base, pt)
	}
	return fmt.Errorf("steam: manifest.json does not list %s, so its salt is unknown", clipText(base))
}

// sdaDecrypt decrypts an encrypted .maFile.
func sdaDecrypt(b64, salt64, iv64 string, pass []byte) ([]byte, error) {
	ct, err1 := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	salt, err2 := base64.StdEncoding.DecodeString(salt64)
	iv, err3 := base64.StdEncoding.DecodeString(iv64)
	if errors.Join(err1, err2, err3) != nil {
		return nil, errors.New("steam: an encrypted .maFile, or its salt or IV in manifest.json, is not valid base64")
	}
	key, err := pbkdf2Key("steam", sha1New, pass, salt, sdaRounds, 32)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	pt, err := cbcOpen(key, iv, ct)
	// CBC has no MAC: a wrong key shows as bad padding or as bytes that
	// are not the JSON object a .maFile holds.
	if err != nil || !json.Valid(pt) || !strings.HasPrefix(strings.TrimSpace(string(pt)), "{") {
		clear(pt)
		return nil, wrongPass("steam")
	}
	return pt, nil
}

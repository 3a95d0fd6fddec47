package imports

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// Ente Auth's encrypted export (docs/docs/auth/migration/export.md in
// ente-io/ente): {"version": 1, "kdfParams": {"memLimit" (bytes),
// "opsLimit", "salt"}, "encryptedData", "encryptionNonce"}: the plain export
// (otpauth URIs, one per line) in a libsodium secretstream under an
// Argon2id key (libsodium's crypto_pwhash: one lane); the nonce is the
// stream's header.

type enteFile struct {
	Version   int `json:"version"`
	KdfParams struct {
		MemLimit uint64 `json:"memLimit"`
		OpsLimit uint64 `json:"opsLimit"`
		Salt     string `json:"salt"`
	} `json:"kdfParams"`
	EncryptedData   string `json:"encryptedData"`
	EncryptionNonce string `json:"encryptionNonce"`
}

// enteChunk is the plaintext size of the messages Ente's streams are cut
// into (its files); an export is one message.
const enteChunk = 4 << 20

func readEnte(data []byte, opts *Options, r *Result) error {
	var f enteFile
	if err := json.Unmarshal(trimBOM(data), &f); err != nil {
		return fmt.Errorf("ente: %v", jsonErr(err))
	}
	if f.EncryptedData == "" {
		return notThis("ente", `"encryptedData"`)
	}
	if f.Version != 1 {
		return fmt.Errorf("ente: version %d not supported (want 1)", f.Version)
	}
	// Check the costs before asking for the passphrase.
	kp := f.KdfParams
	if kp.MemLimit > maxArgon2Memory {
		return &CostError{"ente", "memLimit", kp.MemLimit, maxArgon2Memory}
	}
	if kp.OpsLimit > 0 && kp.MemLimit > 0 && kp.MemLimit*kp.OpsLimit > maxArgon2Cost {
		return &CostError{"ente", "opsLimit", kp.OpsLimit, maxArgon2Cost / kp.MemLimit}
	}
	salt, err1 := base64.StdEncoding.DecodeString(kp.Salt)
	ct, err2 := base64.StdEncoding.DecodeString(f.EncryptedData)
	header, err3 := base64.StdEncoding.DecodeString(f.EncryptionNonce)
	if errors.Join(err1, err2, err3) != nil {
		return errors.New("ente: salt, encryptedData or encryptionNonce is not valid base64")
	}
	if len(header) != streamHeaderBytes {
		return fmt.Errorf("ente: encryptionNonce is %d bytes, not %d", len(header), streamHeaderBytes)
	}
	pass, err := passphrase(opts)
	if err != nil {
		return err
	}
	key, err := argon2Key("ente", pass, salt, kp.OpsLimit, kp.MemLimit, 1)
	if err != nil {
		return err
	}
	pt, err := openStream(key, header, ct, enteChunk)
	clear(key)
	if err != nil {
		return wrongPass("ente")
	}
	defer clear(pt)
	return readURIs(pt, opts, r)
}

package imports

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Proton Authenticator's export: {"version": 1, "entries": [{"content":
// {"uri", "entry_type", "name"}, "note"}]}, or {"version": 1, "salt",
// "content"} where content is a 12-byte nonce and AES-256-GCM ciphertext
// (with fixed associated data) under an Argon2id key of fixed cost.

type protonFile struct {
	Version int    `json:"version"`
	Salt    string `json:"salt"`
	Content string `json:"content"`
	Entries []struct {
		Content struct {
			URI       string `json:"uri"`
			EntryType string `json:"entry_type"`
			Name      string `json:"name"`
		} `json:"content"`
		Note string `json:"note"`
	} `json:"entries"`
}

// Proton's fixed key derivation and associated data.
const (
	protonArgonPasses = 2
	protonArgonMemory = 19 << 20
	protonArgonLanes  = 1
	protonAD          = "proton.authenticator.export.v1"
)

func readProton(data []byte, opts *Options, r *Result) error {
	var f protonFile
	if err := json.Unmarshal(trimBOM(data), &f); err != nil {
		return fmt.Errorf("proton: %v", jsonErr(err))
	}
	if f.Entries == nil && f.Content == "" {
		return notThis("proton", `"entries"`)
	}
	if f.Version != 1 {
		return fmt.Errorf("proton: version %d not supported (want 1)", f.Version)
	}
	if f.Salt != "" || f.Content != "" {
		salt, err1 := base64.StdEncoding.DecodeString(f.Salt)
		ct, err2 := base64.StdEncoding.DecodeString(f.Content)
		if errors.Join(err1, err2) != nil || len(ct) < 12+16 {
			return errors.New("proton: salt or content is not valid base64 of an encrypted export")
		}
		pass, err := passphrase(opts)
		if err != nil {
			return err
		}
		key, err := argon2Key("proton", pass, salt, protonArgonPasses, protonArgonMemory, protonArgonLanes)
		if err != nil {
			return err
		}
		pt, err := gcmOpen(key, ct[:12], ct[12:], []byte(protonAD))
		clear(key)
		if err != nil {
			return wrongPass("proton")
		}
		defer clear(pt)
		f = protonFile{}
		if err := json.Unmarshal(pt, &f); err != nil {
			return fmt.Errorf("proton: the decrypted content: %v", jsonErr(err))
		}
	}
	for i, pe := range f.Entries {
		e, err := uriEntry(pe.Content.URI)
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		name := strings.TrimSpace(pe.Content.Name)
		switch {
		case strings.HasPrefix(strings.ToLower(strings.TrimSpace(pe.Content.URI)), "steam:"):
			e.Account = name // steam://SECRET carries no names
		case e.Issuer == "" && name != "":
			e.Issuer = name
		}
		e.Note = pe.Note
		r.add(pos(i), e)
	}
	return nil
}

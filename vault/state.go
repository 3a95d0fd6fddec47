package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"filippo.io/age"
)

// stateFile holds, encrypted to the master key, what must outlive any body
// that is put back, restored or synced in: the highest save generation
// made, and the highest HOTP counter handed out for each HOTP secret. A
// restore replaces body.age only, so this file keeps codes from being
// given twice and tells a body put back from the latest one. Its content
// is JSON:
//
//	{"format":"tessera-vault-state","version":1,"generation":N,
//	 "hotp":{"FINGERPRINT":NEXT,...}}
//
// where FINGERPRINT is the first 16 bytes, in hex, of SHA-256 over
// "tessera hotp\x00" and the secret, and NEXT the lowest counter whose
// code was never handed out.
const stateFile = "state.age"

const (
	stateFormat  = "tessera-vault-state"
	maxStateSize = 4 << 20
)

// maxGeneration bounds save generations. A generation counts saves, so no
// vault comes near it (a save a microsecond for 285 years); a larger number
// in a file name or a plain file is a forgery and is not counted, and a
// larger one in an encrypted body or state file is damage. Generations
// never wrap.
const maxGeneration = 1 << 53

// state is the decrypted content of state.age.
type state struct {
	Generation uint64            // highest generation of a body saved
	HOTP       map[string]uint64 // fingerprint -> lowest counter not handed out
	RequireKey bool              // no way in without a key but the recovery code
}

type stateJSON struct {
	Format     string            `json:"format"`
	Version    int               `json:"version"`
	Generation uint64            `json:"generation"`
	HOTP       map[string]uint64 `json:"hotp,omitempty"`
	RequireKey bool              `json:"require_key,omitempty"`
}

// hotpFingerprint identifies a HOTP secret in the state file without
// holding it.
func hotpFingerprint(secret []byte) string {
	h := sha256.New()
	h.Write([]byte("tessera hotp\x00"))
	h.Write(secret)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// decodeState parses the plaintext of state.age.
func decodeState(plain []byte) (*state, error) {
	if len(plain) > maxStateSize {
		return nil, damaged(stateFile, "content is larger than %d bytes", maxStateSize)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(plain, &head); err != nil {
		return nil, damaged(stateFile, "content is not valid JSON")
	}
	if head.Format != stateFormat {
		return nil, damaged(stateFile, "content format is %q, want %q", clip(head.Format), stateFormat)
	}
	if head.Version > FormatVersion {
		return nil, &VersionError{File: stateFile, Version: head.Version, Supported: FormatVersion}
	}
	if head.Version < 1 {
		return nil, damaged(stateFile, "content version %d is not valid", head.Version)
	}
	var sj stateJSON
	if err := json.Unmarshal(plain, &sj); err != nil {
		return nil, damaged(stateFile, "content is not valid: %v", err)
	}
	if sj.Generation > maxGeneration {
		return nil, damaged(stateFile, "generation %d is beyond %d", sj.Generation, uint64(maxGeneration))
	}
	for fp := range sj.HOTP {
		if b, err := hex.DecodeString(fp); err != nil || len(b) != 16 {
			return nil, damaged(stateFile, "HOTP fingerprint %q is not 32 hexadecimal digits", clip(fp))
		}
	}
	if sj.HOTP == nil {
		sj.HOTP = map[string]uint64{}
	}
	return &state{Generation: sj.Generation, HOTP: sj.HOTP, RequireKey: sj.RequireKey}, nil
}

func (s *state) encode() []byte {
	b, err := json.Marshal(stateJSON{Format: stateFormat, Version: FormatVersion, Generation: s.Generation, HOTP: s.HOTP, RequireKey: s.RequireKey})
	if err != nil {
		panic("vault: encoding state: " + err.Error())
	}
	return append(b, '\n')
}

// readState reads state.age. A vault without one (made before it existed,
// or whose file was removed) gives an empty state and no error.
func (v *Vault) readState(mid *age.X25519Identity) (*state, error) {
	ct, err := readFile(v.dir, stateFile, maxStateSize+64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		return &state{HOTP: map[string]uint64{}}, nil
	}
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(ct), mid)
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, &DamagedError{File: stateFile, Err: errNotThisKey}
	}
	if err != nil {
		return nil, damaged(stateFile, "%s", describeAgeErr(err))
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxStateSize+1))
	if err != nil {
		return nil, damaged(stateFile, "%s", describeAgeErr(err))
	}
	return decodeState(plain)
}

// readStateOrEmpty is readState, taking a damaged or unreadable state file
// for an empty one: the body's own counters and generation then stand, as
// in a vault made before the file existed. The next save writes it anew.
func (v *Vault) readStateOrEmpty(mid *age.X25519Identity) *state {
	s, err := v.readState(mid)
	if err != nil {
		return &state{HOTP: map[string]uint64{}}
	}
	return s
}

// writeState encrypts s to the master key and writes it as state.age.
func (v *Vault) writeState(s *state) error {
	var ct bytes.Buffer
	w, err := age.Encrypt(&ct, v.recipient)
	if err != nil {
		return fmt.Errorf("encrypting %s: %w", stateFile, err)
	}
	w.Write(s.encode())
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypting %s: %w", stateFile, err)
	}
	return writeFile(v.dir, stateFile, ct.Bytes())
}

// raise lifts the HOTP counters of entries to the highest handed out.
func (s *state) raise(entries []Entry) {
	for i := range entries {
		e := &entries[i]
		if !e.isHOTP() {
			continue
		}
		if next, ok := s.HOTP[hotpFingerprint(e.OTP.Secret)]; ok && next > e.OTP.Counter {
			e.OTP.Counter = next
		}
	}
}

// record raises the state's marks to the counters of entries, and reports
// whether any mark moved.
func (s *state) record(entries []Entry) bool {
	moved := false
	for i := range entries {
		e := &entries[i]
		if !e.isHOTP() {
			continue
		}
		fp := hotpFingerprint(e.OTP.Secret)
		if next, ok := s.HOTP[fp]; !ok || e.OTP.Counter > next {
			s.HOTP[fp] = e.OTP.Counter
			moved = true
		}
	}
	return moved
}

package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"filippo.io/age"
)

// sealedDir holds the files other parts of Tessera keep beside the body,
// encrypted to the master key: approval keys and log, sync state.
const sealedDir = "sealed"

// maxSealedSize caps what Unseal and ReadSealed decrypt.
const maxSealedSize = 64 << 20

// ErrBadSealedName is returned for a sealed file name that is not 1 to 64
// characters of a-z, 0-9 and '-'.
var ErrBadSealedName = errors.New("sealed file names are 1 to 64 characters of a-z, 0-9 and '-'")

// Seal encrypts plain to the vault's master key, as body.age is, so that
// only an unlocked vault (or the age CLI given the master identity from a
// slot) reads it. Use it for data kept outside the vault folder, such as a
// sync device file; [Vault.WriteSealed] keeps data inside it.
func (v *Vault) Seal(plain []byte) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return nil, ErrLocked
	}
	return v.sealLocked(plain)
}

func (v *Vault) sealLocked(plain []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(plain) + 256)
	w, err := age.Encrypt(&buf, v.recipient)
	if err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	return buf.Bytes(), nil
}

// Unseal decrypts what [Vault.Seal] made with this vault's master key. The
// error wraps [ErrDamaged] when ct is not such a file or was changed.
func (v *Vault) Unseal(ct []byte) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return nil, ErrLocked
	}
	return v.unsealLocked("sealed data", ct)
}

func (v *Vault) unsealLocked(name string, ct []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ct), v.identity())
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return nil, damaged(name, "is not encrypted to this vault's key")
	}
	if err != nil {
		return nil, damaged(name, "%s", describeAgeErr(err))
	}
	plain, err := io.ReadAll(io.LimitReader(r, maxSealedSize+1))
	if err != nil {
		clear(plain)
		return nil, damaged(name, "%s", describeAgeErr(err))
	}
	if len(plain) > maxSealedSize {
		clear(plain)
		return nil, damaged(name, "content is larger than %d bytes", maxSealedSize)
	}
	return plain, nil
}

// WriteSealed stores plain, encrypted to the master key, as the vault file
// sealed/NAME.age, atomically and durably like every vault file, under the
// vault's write lock. Rotating the master key re-encrypts these files.
func (v *Vault) WriteSealed(name string, plain []byte) error {
	if !validSealedName(name) {
		return ErrBadSealedName
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return ErrLocked
	}
	ct, err := v.sealLocked(plain)
	if err != nil {
		return err
	}
	l, err := lockWrite(v.dir, v.lockWait())
	if err != nil {
		return err
	}
	defer l.release()
	dir := filepath.Join(v.dir, sealedDir)
	if err := mkdirInVault(dir); err != nil {
		return fmt.Errorf("writing %s: %w", sealedDir, err)
	}
	return writeFile(dir, name+".age", ct)
}

// ReadSealed returns what [Vault.WriteSealed] stored under name. The error
// wraps [fs.ErrNotExist] when nothing was stored, and [ErrDamaged] when the
// file cannot be decrypted or was changed.
func (v *Vault) ReadSealed(name string) ([]byte, error) {
	if !validSealedName(name) {
		return nil, ErrBadSealedName
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return nil, ErrLocked
	}
	file := sealedDir + "/" + name + ".age"
	ct, err := readFile(filepath.Join(v.dir, sealedDir), name+".age", maxSealedSize+64<<10)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if err != nil {
		var de *DamagedError
		if errors.As(err, &de) {
			de.File = file
			return nil, err
		}
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return v.unsealLocked(file, ct)
}

func validSealedName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

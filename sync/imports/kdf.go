package imports

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"hash"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
)

// Bounds on key derivations that files ask for. They are well above what
// the apps write (Aegis scrypt N=2^15, andOTP up to about 160,000 PBKDF2
// rounds, Bitwarden 600,000, Ente's "sensitive" Argon2id 1 GiB and 4
// passes) and low enough that a hostile file cannot take the machine's
// memory or hours of time.
// Variables so that fuzzing can lower them.
var (
	maxScryptMemory uint64 = 1 << 30 // bytes: 128 * N * r
	maxPBKDF2Rounds uint64 = 10_000_000
	maxArgon2Memory uint64 = 1 << 30 // bytes
	maxArgon2Cost   uint64 = 4 << 30 // bytes times passes
)

const (
	maxScryptP       = 16
	maxArgon2Threads = 16
)

// scryptCheck checks scrypt parameters against the bounds.
func scryptCheck(format string, n, r, p int) error {
	switch {
	case r < 1 || r > 1<<10:
		return &CostError{format, "r", uint64(max(r, 0)), 1 << 10}
	case p < 1 || p > maxScryptP:
		return &CostError{format, "p", uint64(max(p, 0)), maxScryptP}
	case n < 2 || n&(n-1) != 0 || uint64(n)*uint64(r)*128 > maxScryptMemory:
		return &CostError{format, "n", uint64(max(n, 0)), maxScryptMemory / 128 / uint64(r)}
	}
	return nil
}

// scryptKey derives a 32-byte key after checking the parameters.
func scryptKey(format string, pass, salt []byte, n, r, p int) ([]byte, error) {
	if err := scryptCheck(format, n, r, p); err != nil {
		return nil, err
	}
	return scrypt.Key(pass, salt, n, r, p, 32)
}

// pbkdf2Key derives keyLen bytes after checking the round count.
func pbkdf2Key(format string, h func() hash.Hash, pass, salt []byte, rounds, keyLen int) ([]byte, error) {
	if rounds < 1 || uint64(rounds) > maxPBKDF2Rounds {
		return nil, &CostError{format, "iterations", uint64(max(rounds, 0)), maxPBKDF2Rounds}
	}
	return pbkdf2.Key(h, string(pass), salt, rounds, keyLen)
}

// argon2Key derives a 32-byte Argon2id key after checking the parameters;
// memory is in bytes.
func argon2Key(format string, pass, salt []byte, passes uint64, memory uint64, threads uint64) ([]byte, error) {
	switch {
	case passes < 1 || passes > maxArgon2Cost/(8<<10):
		return nil, &CostError{format, "iterations", passes, maxArgon2Cost / (8 << 10)}
	case memory < 8<<10 || memory > maxArgon2Memory:
		return nil, &CostError{format, "memory", memory, maxArgon2Memory}
	case memory*passes > maxArgon2Cost:
		return nil, &CostError{format, "iterations", passes, maxArgon2Cost / memory}
	case threads < 1 || threads > maxArgon2Threads:
		return nil, &CostError{format, "parallelism", threads, maxArgon2Threads}
	}
	return argon2.IDKey(pass, salt, uint32(passes), uint32(memory>>10), uint8(threads), 32), nil
}

var errAuth = errors.New("message authentication failed")

// gcmOpen decrypts and authenticates AES-GCM ciphertext with its 16-byte
// tag at the end, with a nonce of any length.
func gcmOpen(key, nonce, ct, ad []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	var aead cipher.AEAD
	if len(nonce) == 12 {
		aead, err = cipher.NewGCM(block)
	} else if len(nonce) > 0 {
		aead, err = cipher.NewGCMWithNonceSize(block, len(nonce))
	} else {
		return nil, errors.New("empty nonce")
	}
	if err != nil {
		return nil, err
	}
	if len(ct) < aead.Overhead() {
		return nil, errors.New("ciphertext shorter than its tag")
	}
	pt, err := aead.Open(nil, nonce, ct, ad)
	if err != nil {
		return nil, errAuth
	}
	return pt, nil
}

// cbcOpen decrypts AES-CBC with PKCS#7 padding. Without a MAC, a wrong key
// shows only as bad padding or bad content.
func cbcOpen(key, iv, ct []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(iv) != aes.BlockSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errors.New("ciphertext is not whole AES blocks")
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	n := int(pt[len(pt)-1])
	if n < 1 || n > aes.BlockSize {
		return nil, errAuth
	}
	for _, b := range pt[len(pt)-n:] {
		if int(b) != n {
			return nil, errAuth
		}
	}
	return pt[:len(pt)-n], nil
}

// hmacSHA256 returns the HMAC-SHA256 of the concatenated parts.
func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// Hash constructors named for the formats that use them.
var (
	sha1New   = sha1.New
	sha256New = sha256.New
)

package otp

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"time"
)

// steamAlphabet is the 26-character alphabet of Steam Guard codes.
const steamAlphabet = "23456789BCDFGHJKMNPQRTVWXY"

var pow10 = [...]uint32{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// Code returns the code of c at instant t. TOTP and Steam codes depend on t;
// HOTP codes depend on c.Counter only (the caller advances and stores it).
func (c *Credential) Code(t time.Time) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	counter := c.Counter
	if c.Kind != HOTP {
		counter = c.Step(t)
	}
	return c.codeAt(counter), nil
}

// CodeAtCounter returns the code of c for an explicit counter value, whatever
// its kind. For TOTP the counter is the time step number.
func (c *Credential) CodeAtCounter(counter uint64) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	return c.codeAt(counter), nil
}

// Step returns the time step number of a TOTP or Steam credential at t.
// Instants before the Unix epoch give step 0.
func (c *Credential) Step(t time.Time) uint64 {
	p := c.EffectivePeriod()
	if p == 0 {
		return 0
	}
	s := t.Unix()
	if s < 0 {
		return 0
	}
	return uint64(s) / uint64(p)
}

// Remaining returns how long the code of a TOTP or Steam credential at t
// stays valid, and 0 for HOTP.
func (c *Credential) Remaining(t time.Time) time.Duration {
	p := c.EffectivePeriod()
	if p == 0 {
		return 0
	}
	next := time.Unix(int64(c.Step(t)+1)*int64(p), 0)
	return next.Sub(t)
}

func (c *Credential) codeAt(counter uint64) string {
	var sum [sha512.Size]byte
	h := hmacCounter(c.Algorithm, c.Secret, counter, &sum)

	// Dynamic truncation, RFC 4226 section 5.3.
	off := h[len(h)-1] & 0x0f
	bin := binary.BigEndian.Uint32(h[off:off+4]) & 0x7fffffff

	if c.Kind == Steam {
		var out [SteamDigits]byte
		for i := range out {
			out[i] = steamAlphabet[bin%uint32(len(steamAlphabet))]
			bin /= uint32(len(steamAlphabet))
		}
		return string(out[:])
	}
	digits := c.EffectiveDigits()
	v := uint64(bin)
	if digits < len(pow10) {
		v %= uint64(pow10[digits])
	}
	var out [MaxDigits]byte
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return string(out[:digits])
}

// hmacCounter returns HMAC(secret, counter as 8 big-endian bytes), RFC 2104,
// written out over the fixed-size hash functions so that a code costs no
// allocation. It is checked against crypto/hmac by the tests.
func hmacCounter(alg Algorithm, secret []byte, counter uint64, out *[sha512.Size]byte) []byte {
	blockSize := sha1.BlockSize
	if alg == SHA512 {
		blockSize = sha512.BlockSize
	}
	// buf holds one padded key block followed by the message or the inner
	// digest, whichever is hashed next.
	var buf [sha512.BlockSize + sha512.Size]byte
	var keyDigest [sha512.Size]byte
	key := secret
	if len(key) > blockSize {
		key = keyDigest[:digest(alg, key, &keyDigest)]
	}
	pad := buf[:blockSize]
	copy(pad, key)
	for i := range pad {
		pad[i] ^= 0x36
	}
	binary.BigEndian.PutUint64(buf[blockSize:], counter)
	n := digest(alg, buf[:blockSize+8], out)
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	copy(buf[blockSize:], out[:n])
	n = digest(alg, buf[:blockSize+n], out)
	clear(buf[:])
	clear(keyDigest[:])
	return out[:n]
}

// digest hashes data with alg into out and returns the digest's length.
func digest(alg Algorithm, data []byte, out *[sha512.Size]byte) int {
	switch alg {
	case SHA256:
		s := sha256.Sum256(data)
		return copy(out[:], s[:])
	case SHA512:
		s := sha512.Sum512(data)
		return copy(out[:], s[:])
	}
	s := sha1.Sum(data)
	return copy(out[:], s[:])
}

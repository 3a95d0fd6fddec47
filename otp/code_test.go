package otp_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/otp"
)

// RFC 4226 appendix D: HOTP, SHA1, 6 digits.
func TestHOTPRFC4226(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, code := range want {
		c := otp.Credential{Kind: otp.HOTP, Secret: []byte("12345678901234567890"), Counter: uint64(counter)}
		got, err := c.Code(time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if got != code {
			t.Errorf("counter %d: got %s, want %s", counter, got, code)
		}
	}
}

// RFC 6238 appendix B: TOTP, 8 digits, 30 s, with the seed of each
// algorithm's own length (the RFC's table hides that in its reference code).
func TestTOTPRFC6238(t *testing.T) {
	seeds := map[otp.Algorithm]string{
		otp.SHA1:   "12345678901234567890",
		otp.SHA256: "12345678901234567890123456789012",
		otp.SHA512: "1234567890123456789012345678901234567890123456789012345678901234",
	}
	vectors := []struct {
		unix int64
		alg  otp.Algorithm
		code string
	}{
		{59, otp.SHA1, "94287082"}, {59, otp.SHA256, "46119246"}, {59, otp.SHA512, "90693936"},
		{1111111109, otp.SHA1, "07081804"}, {1111111109, otp.SHA256, "68084774"}, {1111111109, otp.SHA512, "25091201"},
		{1111111111, otp.SHA1, "14050471"}, {1111111111, otp.SHA256, "67062674"}, {1111111111, otp.SHA512, "99943326"},
		{1234567890, otp.SHA1, "89005924"}, {1234567890, otp.SHA256, "91819424"}, {1234567890, otp.SHA512, "93441116"},
		{2000000000, otp.SHA1, "69279037"}, {2000000000, otp.SHA256, "90698825"}, {2000000000, otp.SHA512, "38618901"},
		{20000000000, otp.SHA1, "65353130"}, {20000000000, otp.SHA256, "77737706"}, {20000000000, otp.SHA512, "47863826"},
	}
	for _, v := range vectors {
		c := otp.Credential{Kind: otp.TOTP, Algorithm: v.alg, Digits: 8, Period: 30, Secret: []byte(seeds[v.alg])}
		got, err := c.Code(time.Unix(v.unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got != v.code {
			t.Errorf("T=%d %s: got %s, want %s", v.unix, v.alg, got, v.code)
		}
	}
}

// Steam Guard vectors published with KeePassXC's tests and with the
// steam-totp libraries (an all-zero 20-byte secret at steps 0 and 1).
func TestSteam(t *testing.T) {
	secret, err := otp.DecodeSecret("63BEDWCQZKTQWPESARIERL5DTTQFCJTK")
	if err != nil {
		t.Fatal(err)
	}
	c := otp.Credential{Kind: otp.Steam, Secret: secret}
	for _, v := range []struct {
		unix int64
		code string
	}{{1511200518, "FR8RV"}, {1511200714, "9P3VP"}} {
		got, err := c.Code(time.Unix(v.unix, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got != v.code {
			t.Errorf("T=%d: got %s, want %s", v.unix, got, v.code)
		}
	}
	zero := otp.Credential{Kind: otp.Steam, Secret: make([]byte, 20)}
	for step, want := range []string{"RYH4D", "DR2DK"} {
		got, err := zero.CodeAtCounter(uint64(step))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("zero secret step %d: got %s, want %s", step, got, want)
		}
	}
}

// Digits beyond 6 to 8 truncate the same 31-bit value, so RFC 4226's table
// of truncated decimals (appendix D) gives their expected codes: 10 digits
// is the whole value zero-padded, 9 and fewer its last digits.
func TestDigitsTruncation(t *testing.T) {
	decimals := []string{"1284755224", "1094287082", "0137359152", "1726969429", "1640338314",
		"0868254676", "1918287922", "0082162583", "0673399871", "0645520489"}
	for counter, dec := range decimals {
		for d := otp.MinDigits; d <= otp.MaxDigits; d++ {
			c := otp.Credential{Kind: otp.HOTP, Secret: []byte("12345678901234567890"), Counter: uint64(counter), Digits: d}
			got, err := c.Code(time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if want := dec[10-d:]; got != want {
				t.Errorf("counter %d, %d digits: got %s, want %s", counter, d, got, want)
			}
		}
	}
}

func TestStepAndRemaining(t *testing.T) {
	c := otp.Credential{Period: 30, Secret: []byte("x")}
	at := time.Unix(1_000_000_010, 500_000_000)
	if got, want := c.Step(at), uint64(1_000_000_010/30); got != want {
		t.Errorf("step: got %d, want %d", got, want)
	}
	if got, want := c.Remaining(at), 9500*time.Millisecond; got != want {
		t.Errorf("remaining: got %v, want %v", got, want)
	}
	if got := c.Step(time.Unix(-5, 0)); got != 0 {
		t.Errorf("step before the epoch: got %d, want 0", got)
	}
	h := otp.Credential{Kind: otp.HOTP, Secret: []byte("x")}
	if h.Remaining(at) != 0 || h.EffectivePeriod() != 0 {
		t.Errorf("HOTP has no period")
	}
}

func TestValidateRejects(t *testing.T) {
	for _, c := range []struct {
		cred otp.Credential
		want string
	}{
		{otp.Credential{}, "secret is empty"},
		{otp.Credential{Secret: []byte("x"), Digits: 3}, "digits 3 out of range 4..10"},
		{otp.Credential{Secret: []byte("x"), Digits: 11}, "digits 11 out of range 4..10"},
		{otp.Credential{Secret: []byte("x"), Period: -1}, "period -1 out of range"},
		{otp.Credential{Secret: []byte("x"), Algorithm: 9}, "algorithm 9 unknown"},
		{otp.Credential{Secret: []byte("x"), Kind: 7}, "kind 7 unknown"},
	} {
		_, err := c.cred.Code(time.Unix(0, 0))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got error %v, want %q", c.cred, err, c.want)
		}
	}
}

// The package computes HMAC itself to avoid allocations; it must agree with
// crypto/hmac for every key length around the block sizes.
func TestHMACAgreesWithStdlib(t *testing.T) {
	hashes := map[otp.Algorithm]func() hash.Hash{otp.SHA1: sha1.New, otp.SHA256: sha256.New, otp.SHA512: sha512.New}
	for alg, h := range hashes {
		for n := 1; n <= 200; n++ {
			key := make([]byte, n)
			for i := range key {
				key[i] = byte(i*7 + n)
			}
			counter := uint64(n) * 0x0123456789
			mac := hmac.New(h, key)
			var msg [8]byte
			binary.BigEndian.PutUint64(msg[:], counter)
			mac.Write(msg[:])
			sum := mac.Sum(nil)
			off := sum[len(sum)-1] & 0x0f
			bin := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
			want := fmt.Sprintf("%010d", bin)
			c := otp.Credential{Kind: otp.HOTP, Algorithm: alg, Digits: 10, Secret: key, Counter: counter}
			got, err := c.Code(time.Time{})
			if err != nil || got != want {
				t.Fatalf("%s, %d-byte key: got %s, %v; crypto/hmac gives %s", alg, n, got, err, want)
			}
		}
	}
}

package otp_test

import (
	"testing"
	"time"

	pquerna "github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/tessera-auth/tessera/otp"
)

var sink string

func benchCode(b *testing.B, alg otp.Algorithm, secret string) {
	c := otp.Credential{Algorithm: alg, Secret: []byte(secret)}
	at := time.Unix(1700000000, 0)
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.Code(at)
		if err != nil {
			b.Fatal(err)
		}
		sink = s
	}
}

func BenchmarkTOTPSHA1(b *testing.B) { benchCode(b, otp.SHA1, "12345678901234567890") }
func BenchmarkTOTPSHA512(b *testing.B) {
	benchCode(b, otp.SHA512, "1234567890123456789012345678901234567890123456789012345678901234")
}

// BenchmarkPquernaTOTPSHA1 is the same computation with github.com/pquerna/otp,
// the Go library most authenticators use, for comparison in one run.
func BenchmarkPquernaTOTPSHA1(b *testing.B) {
	secret := otp.EncodeSecret([]byte("12345678901234567890"))
	at := time.Unix(1700000000, 0)
	opts := pqtotp.ValidateOpts{Period: 30, Digits: pquerna.DigitsSix, Algorithm: pquerna.AlgorithmSHA1}
	b.ReportAllocs()
	for b.Loop() {
		s, err := pqtotp.GenerateCodeCustom(secret, at, opts)
		if err != nil {
			b.Fatal(err)
		}
		sink = s
	}
}

func BenchmarkParseURI(b *testing.B) {
	const uri = "otpauth://totp/ACME%20Co:john.doe%40example.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := otp.ParseURI(uri); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPquernaParseURI parses the same URI with pquerna/otp (which
// validates far less).
func BenchmarkPquernaParseURI(b *testing.B) {
	const uri = "otpauth://totp/ACME%20Co:john.doe%40example.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
	b.ReportAllocs()
	for b.Loop() {
		k, err := pquerna.NewKeyFromURL(uri)
		if err != nil {
			b.Fatal(err)
		}
		sink = k.Secret()
	}
}

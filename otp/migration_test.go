package otp_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tessera-auth/tessera/otp"
)

func TestParseMigrationSamples(t *testing.T) {
	// The sample from Google Authenticator's key URI documentation, as
	// exported by the app (no batch fields).
	b, err := otp.ParseMigration("otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC")
	if err != nil {
		t.Fatal(err)
	}
	want := otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: []byte("Hello!\xde\xad\xbe\xef"), Issuer: "Example", Account: "alice@google.com"}
	if len(b.Credentials) != 1 || !b.Credentials[0].Equal(&want) {
		t.Fatalf("got %+v", b.Credentials)
	}
	if b.Version != 1 || b.BatchSize != 1 || b.BatchIndex != 0 {
		t.Errorf("batch fields %+v", b)
	}

	// Four accounts with every batch field set, base64 padding escaped.
	const four = "otpauth-migration://offline?data=Cj8KFGnEpnTMQ7KDguNWnddyGyCbSVLaEhhBQ01FIENvOmpvaG5AZXhhbXBsZS5jb20aB0FDTUUgQ28gASgBMAIKRAoUXkj%2B5MY2arwKjsnH2aDsbm6TAlYSG0JldGEgTHRkLjpob21lckBleGFtcGxlLmNvbRoJQmV0YSBMdGQuIAEoATACCkgKFDDFyzUNPgYoI3q%2FKGHBdcNU9ptWEh1DYXRzICYgRG9nczptYXJnZUBleGFtcGxlLmNvbRoLQ2F0cyAmIERvZ3MgASgBMAIKSAoUunHzbm5h%2FLUO0yilLMI%2BdYZY1eISHURhaWx5IEJ1Z2xlOnBldGVyQGV4YW1wbGUuY29tGgtEYWlseSBCdWdsZSABKAEwAhABGAEgACjDnb%2BuAg%3D%3D"
	b, err = otp.ParseMigration(four)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, c := range b.Credentials {
		if c.Kind != otp.TOTP || c.Algorithm != otp.SHA1 || c.Digits != 6 || c.Period != 30 || len(c.Secret) != 20 {
			t.Errorf("%s: parameters %+v", c.Label(), c)
		}
		labels = append(labels, c.Label())
	}
	if got, want := strings.Join(labels, "|"), "ACME Co: john@example.com|Beta Ltd.: homer@example.com|Cats & Dogs: marge@example.com|Daily Bugle: peter@example.com"; got != want {
		t.Errorf("labels %s, want %s", got, want)
	}
	if b.Version != 1 || b.BatchSize != 1 || b.BatchIndex != 0 || b.BatchID == 0 {
		t.Errorf("batch fields %+v", b)
	}
	// The same payload with its '+' left unescaped (read as spaces) and
	// its padding dropped still decodes.
	raw, _ := url.QueryUnescape(strings.TrimPrefix(four, "otpauth-migration://offline?data="))
	b2, err := otp.ParseMigration("otpauth-migration://offline?data=" + strings.TrimRight(raw, "="))
	if err != nil || len(b2.Credentials) != 4 {
		t.Errorf("unescaped payload: %v", err)
	}
}

func TestMigrationRoundTrip(t *testing.T) {
	var creds []otp.Credential
	for i := range 60 {
		c := otp.Credential{
			Kind:      otp.TOTP,
			Algorithm: []otp.Algorithm{otp.SHA1, otp.SHA256, otp.SHA512}[i%3],
			Digits:    []int{6, 8}[i%2],
			Period:    30,
			Secret:    []byte(fmt.Sprintf("secret number %02d for the test", i)),
			Issuer:    fmt.Sprintf("Issuer %d", i),
			Account:   fmt.Sprintf("user%d@example.com", i),
		}
		switch i % 7 {
		case 3:
			c.Kind, c.Period, c.Counter = otp.HOTP, 0, uint64(i)*1000003
		case 5:
			c.Issuer, c.Account = "", "no issuer:colon"
		}
		creds = append(creds, c)
	}
	uris, err := otp.FormatMigration(creds, 12345)
	if err != nil {
		t.Fatal(err)
	}
	if len(uris) < 2 {
		t.Fatalf("60 accounts fit in %d QR code(s); want them split", len(uris))
	}
	var back []otp.Credential
	for i, u := range uris {
		if data := strings.TrimPrefix(u, "otpauth-migration://offline?data="); len(data) > otp.MaxMigrationData+otp.MaxMigrationData/2 {
			t.Errorf("batch %d: %d bytes of data", i, len(data))
		}
		b, err := otp.ParseMigration(u)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if b.BatchSize != len(uris) || b.BatchIndex != i || b.BatchID != 12345 || b.Version != 1 {
			t.Errorf("batch %d fields: %+v", i, b)
		}
		back = append(back, b.Credentials...)
	}
	if len(back) != len(creds) {
		t.Fatalf("%d accounts back, want %d", len(back), len(creds))
	}
	for i := range creds {
		if !back[i].Equal(&creds[i]) {
			t.Errorf("account %d: got %+v, want %+v", i, back[i], creds[i])
		}
	}
}

func TestFormatMigrationRefuses(t *testing.T) {
	base := otp.Credential{Secret: []byte("12345678901234567890"), Issuer: "X", Account: "y"}
	for _, c := range []struct {
		edit func(*otp.Credential)
		msg  string
	}{
		{func(c *otp.Credential) { c.Kind = otp.Steam }, "steam credentials cannot be exported"},
		{func(c *otp.Credential) { c.Period = 60 }, "a 60 s period cannot be exported"},
		{func(c *otp.Credential) { c.Digits = 7 }, "7 digits cannot be exported"},
		{func(c *otp.Credential) { c.Secret = nil }, "secret is empty"},
	} {
		cred := base
		c.edit(&cred)
		_, err := otp.FormatMigration([]otp.Credential{base, cred}, 1)
		if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "account 2: X: y") {
			t.Errorf("%+v: error %v, want one naming account 2 and %q", cred, err, c.msg)
		}
	}
	if _, err := otp.FormatMigration(nil, 1); err == nil {
		t.Error("an empty export was accepted")
	}
}

// payload builds a migration URI around one account's raw protobuf fields.
func payload(params []byte, extra ...byte) string {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, params)
	b = append(b, extra...)
	return "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(b))
}

func param(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func TestParseMigrationRejects(t *testing.T) {
	secret := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), []byte("12345678901234567890"))
	with := func(fields ...[]byte) []byte {
		b := append([]byte(nil), secret...)
		for _, f := range fields {
			b = append(b, f...)
		}
		return b
	}
	for _, c := range []struct {
		uri, msg string
	}{
		{"otpauth://offline?data=AAAA", `scheme "otpauth" is not otpauth-migration`},
		{"otpauth-migration://online?data=AAAA", `host "online" is not offline`},
		{"otpauth-migration://offline?foo=1", "data parameter missing"},
		{"otpauth-migration://offline?data=%%%", "query is not valid"},
		{"otpauth-migration://offline?data=*!*", "data is not valid base64"},
		{"otpauth-migration://offline?data=Cg", "not a valid protobuf message"},
		{payload(with(param(4, 4))), "account 1: algorithm MD5 is not supported"},
		{payload(with(param(4, 9))), "account 1: algorithm 9 unknown"},
		{payload(with(param(5, 3))), "account 1: digit count 3 unknown (want 6 or 8)"},
		{payload(with(param(6, 5))), "account 1: type 5 unknown"},
		{payload(param(4, 1)), "account 1: secret is empty"},
		{payload(with(), param(3, 2)[0], 2, param(4, 5)[0], 5), "batch index 5 out of range for batch size 2"},
		{"otpauth-migration://offline?data=EAE%3D", "payload holds no accounts"},
	} {
		_, err := otp.ParseMigration(c.uri)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.uri, err, c.msg)
		}
		var me *otp.MigrationError
		if err != nil && !errors.As(err, &me) {
			t.Errorf("%s: error %T is not a MigrationError", c.uri, err)
		}
	}
}

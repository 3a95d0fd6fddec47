package otp_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/otp"
)

func TestParseURI(t *testing.T) {
	rfcSecret := []byte("12345678901234567890")
	for _, c := range []struct {
		uri      string
		want     otp.Credential
		warnings int
	}{
		{
			"otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: []byte("Hello!\xde\xad\xbe\xef"), Issuer: "Example", Account: "alice@google.com"},
			0,
		},
		{
			// Percent-encoded label with a space after the colon; lower-case,
			// spaced, hyphenated, unpadded secret; parameters in any case.
			"OTPAUTH://TOTP/ACME%20Co:%20john.doe%40email.com?SECRET=gezd-gnbv%20gy3t-qojq-gezd-gnbv-gy3t-qojq&Issuer=ACME%20Co&Algorithm=sha256&Digits=8&Period=60",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA256, Digits: 8, Period: 60, Secret: rfcSecret, Issuer: "ACME Co", Account: "john.doe@email.com"},
			0,
		},
		{
			"otpauth://hotp/Bank:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=42&algorithm=SHA512&digits=10",
			otp.Credential{Kind: otp.HOTP, Algorithm: otp.SHA512, Digits: 10, Counter: 42, Secret: rfcSecret, Issuer: "Bank", Account: "me"},
			0,
		},
		{
			// Padding is accepted; no issuer anywhere.
			"otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ%3D%3D%3D%3D",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: rfcSecret, Account: "alice"},
			0,
		},
		{
			"otpauth://totp/?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Only%20Issuer",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: rfcSecret, Issuer: "Only Issuer"},
			0,
		},
		{
			// Conflicting issuers: the parameter wins, with a warning.
			"otpauth://totp/Old:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=New",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: rfcSecret, Issuer: "New", Account: "bob"},
			1,
		},
		{
			// HOTP without a counter starts at 0, with a warning.
			"otpauth://hotp/X:y?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
			otp.Credential{Kind: otp.HOTP, Algorithm: otp.SHA1, Digits: 6, Secret: rfcSecret, Issuer: "X", Account: "y"},
			1,
		},
		{
			"otpauth://steam/Steam:gaben?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Steam",
			otp.Credential{Kind: otp.Steam, Algorithm: otp.SHA1, Digits: 5, Period: 30, Secret: rfcSecret, Issuer: "Steam", Account: "gaben"},
			0,
		},
		{
			// KeePassXC's form of a Steam credential.
			"otpauth://totp/Valve:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Valve&digits=5&encoder=steam",
			otp.Credential{Kind: otp.Steam, Algorithm: otp.SHA1, Digits: 5, Period: 30, Secret: rfcSecret, Issuer: "Valve", Account: "me"},
			0,
		},
		{
			// Valve's own URI for a Steam Guard secret: TOTP, issuer Steam,
			// no digits. Steam's codes are meant, with a warning.
			"otpauth://totp/Steam:gaben?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Steam",
			otp.Credential{Kind: otp.Steam, Algorithm: otp.SHA1, Digits: 5, Period: 30, Secret: rfcSecret, Issuer: "Steam", Account: "gaben"},
			1,
		},
		{
			// The same with the issuer in the label only.
			"otpauth://totp/steam:gaben?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
			otp.Credential{Kind: otp.Steam, Algorithm: otp.SHA1, Digits: 5, Period: 30, Secret: rfcSecret, Issuer: "steam", Account: "gaben"},
			1,
		},
		{
			// An explicit digits parameter keeps it plain TOTP.
			"otpauth://totp/Steam:gaben?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Steam&digits=6",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: rfcSecret, Issuer: "Steam", Account: "gaben"},
			0,
		},
		{
			// An issuer with a colon, found as the label's prefix.
			"otpauth://totp/A%3AB:c%3Ad?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A%3AB",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: rfcSecret, Issuer: "A:B", Account: "c:d"},
			0,
		},
		{
			// A short secret is accepted with a warning.
			"otpauth://totp/X:y?secret=GEZDGNBV",
			otp.Credential{Kind: otp.TOTP, Algorithm: otp.SHA1, Digits: 6, Period: 30, Secret: []byte("12345"), Issuer: "X", Account: "y"},
			1,
		},
	} {
		got, warnings, err := otp.ParseURI(c.uri)
		if err != nil {
			t.Errorf("%s: %v", c.uri, err)
			continue
		}
		if !got.Equal(&c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.uri, got, c.want)
		}
		if len(warnings) != c.warnings {
			t.Errorf("%s: warnings %q, want %d", c.uri, warnings, c.warnings)
		}
		again, _, err := otp.ParseURI(otp.FormatURI(&got))
		if err != nil || !again.Equal(&got) {
			t.Errorf("%s: round trip through %s gave %+v, %v", c.uri, otp.FormatURI(&got), again, err)
		}
	}
}

func TestParseURIRejects(t *testing.T) {
	const s = "secret=GEZDGNBVGY3TQOJQ"
	for _, c := range []struct {
		uri, field, msg string
	}{
		{"https://totp/X:y?" + s, "scheme", `otpauth: scheme "https" is not otpauth://`},
		{"otpauth:totp/X:y?" + s, "scheme", "otpauth: scheme missing: the text does not start with otpauth://"},
		{"GEZDGNBVGY3TQOJQ", "scheme", "otpauth: scheme missing: the text does not start with otpauth://"},
		{"otpauth://totp", "label", "otpauth: label missing"},
		{"otpauth://motp/X:y?" + s, "type", `otpauth: type "motp" not supported`},
		{"otpauth://totp/X:y", "secret", "otpauth: secret missing"},
		{"otpauth://totp/X:y?secret=", "secret", "otpauth: secret missing"},
		{"otpauth://totp/X:y?secret=GEZ1GNBV", "secret", `otpauth: secret has '1' at position 4, which is not base32`},
		{"otpauth://totp/X:y?secret=GEZDGN", "secret", "6 base32 characters"},
		{"otpauth://totp/X:y?secret=GE%3DZDGNBV", "secret", "padding '=' before its end"},
		{"otpauth://totp/X:y?secret=G%00EZDGNBV", "secret", "character that is not base32 at position 2"},
		{"otpauth://totp/X:y?" + s + "&secret=AAAA", "secret", "otpauth: secret given twice"},
		{"otpauth://totp/X:y?" + s + "&algorithm=MD5", "algorithm", `otpauth: algorithm "MD5" not supported`},
		{"otpauth://totp/X:y?" + s + "&digits=12", "digits", `otpauth: digits "12" out of range 4..10`},
		{"otpauth://totp/X:y?" + s + "&digits=3", "digits", `otpauth: digits "3" out of range 4..10`},
		{"otpauth://totp/X:y?" + s + "&digits=six", "digits", `otpauth: digits "six" is not a number`},
		{"otpauth://totp/X:y?" + s + "&period=0", "period", `otpauth: period "0" out of range 1..86400`},
		{"otpauth://totp/X:y?" + s + "&period=-30", "period", `otpauth: period "-30" out of range`},
		{"otpauth://totp/X:y?" + s + "&period=30s", "period", `otpauth: period "30s" is not a number of seconds`},
		{"otpauth://hotp/X:y?" + s + "&counter=-1", "counter", `otpauth: counter "-1" is not a whole number`},
		{"otpauth://hotp/X:y?" + s + "&counter=18446744073709551616", "counter", `counter "18446744073709551616"`},
		{"otpauth://totp/?" + s, "label", "otpauth: label is empty and there is no issuer parameter"},
		{"otpauth://totp/X%ZZ?" + s, "label", `otpauth: label "X%ZZ" is not valid percent-encoding`},
		{"otpauth://totp/X%0Ay?" + s, "label", "control character"},
		{"otpauth://totp/X%FFy?" + s, "label", "not valid UTF-8"},
		{"otpauth://totp/X:y?" + s + "&issuer=%07", "issuer", "control character"},
		{"otpauth://totp/X:y?" + s + "&encoder=yandex", "encoder", `otpauth: encoder "yandex" not supported`},
		{"otpauth://totp/X:y?" + s + "&" + strings.Repeat("a", otp.MaxURILength), "uri", "bytes long"},
	} {
		_, _, err := otp.ParseURI(c.uri)
		if err == nil {
			t.Errorf("%s: accepted", c.uri)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %q, want it to contain %q", c.uri, err, c.msg)
		}
		var ue *otp.URIError
		if !errors.As(err, &ue) || ue.Field != c.field {
			t.Errorf("%s: error %#v, want a URIError for field %q", c.uri, err, c.field)
		}
	}
}

// No rejection may quote the secret, whatever is wrong with it.
func TestParseURIErrorsHideSecret(t *testing.T) {
	const secret = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZ"
	for _, uri := range []string{
		"otpauth://totp/X:y?secret=" + secret + "1",
		"otpauth://totp/X:y?secret=" + secret + "=X",
		"otpauth://totp/X:y?secret=" + secret + "%FF",
		"otpauth://totp/X:y?secret=" + secret + "&digits=99",
		"otpauth://totp/X:y?secret=" + secret + "&secret=" + secret,
		"otpauth://totp/X:y?Secret%20=" + secret + "%FF",
		"otpauth:totp/X:y?secret=" + secret,
		secret,
		secret + "://x",
	} {
		_, _, err := otp.ParseURI(uri)
		if err == nil {
			t.Fatalf("%s: accepted", uri)
		}
		if strings.Contains(err.Error(), secret[:8]) {
			t.Errorf("%s: error quotes the secret: %v", uri, err)
		}
	}
}

func TestFormatURI(t *testing.T) {
	c := otp.Credential{Kind: otp.TOTP, Secret: []byte("12345678901234567890"), Issuer: "ACME Co", Account: "a+b@x.com"}
	const want = "otpauth://totp/ACME%20Co:a%2Bb%40x.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
	if got := otp.FormatURI(&c); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	h := otp.Credential{Kind: otp.HOTP, Secret: []byte{1}, Account: "a:b", Counter: 7}
	got := otp.FormatURI(&h)
	back, _, err := otp.ParseURI(got)
	if err != nil || back.Account != "a:b" || back.Issuer != "" || back.Counter != 7 {
		t.Errorf("%s read back as %+v, %v", got, back, err)
	}
}

func TestDecodeSecret(t *testing.T) {
	want := []byte("12345678901234567890")
	for _, s := range []string{
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
		"GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ",
		"gezd-gnbv-gy3t-qojq-gezd-gnbv-gy3t-qojq",
	} {
		got, err := otp.DecodeSecret(s)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%q: got %x, %v", s, got, err)
		}
	}
	for n := 1; n <= 40; n++ {
		secret := bytes.Repeat([]byte{0xA5}, n)
		enc := otp.EncodeSecret(secret)
		for _, s := range []string{enc, strings.ToLower(enc), enc + strings.Repeat("=", (8-len(enc)%8)%8)} {
			got, err := otp.DecodeSecret(s)
			if err != nil || !bytes.Equal(got, secret) {
				t.Errorf("%d bytes, %q: got %x, %v", n, s, got, err)
			}
		}
	}
}

package qr_test

import (
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/otp/qr"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		text  string
		kind  qr.Kind
		creds int
		err   string
		says  string
	}{
		{"otpauth://totp/GitHub:me?secret=GEZDGNBVGY3TQOJQ&issuer=GitHub", qr.OTP, 1, "", "1 credential(s): GitHub: me"},
		{"OTPAUTH://totp/X:y?secret=GEZDGNBV", qr.OTP, 1, "", "X: y"},
		{"otpauth://totp/X:y?secret=GEZ1GNBV", qr.OTP, 0, "secret has '1' at position 4", "damaged credential"},
		{"otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC", qr.Migration, 1, "", "Example: alice@google.com"},
		{"otpauth-migration://offline?data=%%%", qr.Migration, 0, "migration", "damaged credential"},
		{"https://example.com/login?next=/settings/security", qr.Other, 0, "", "this QR code holds no credential: https://example.com/… (a web address of 49 characters)"},
		{"WIFI:S:home;T:WPA;P:correct horse;;", qr.Other, 0, "", "no credential: a Wi-Fi network's login (35 characters)"},
		{"ghp_R2d2C3poBB8Luk3Sky7wAlkerHanSolo42", qr.Token, 0, "", "looks like an API token (38 characters)"},
		{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", qr.Token, 0, "", "API token"},
		{"hello-world-this-is-text", qr.Other, 0, "", "no credential"},
		{"1234567890123456", qr.Other, 0, "", "no credential"},
		{"\x1b[31mred\x1b[0m", qr.Other, 0, "", "no credential: text of 12 characters"},
		{"mailto:someone@example.com", qr.Other, 0, "", "no credential: a mailto: text (26 characters)"},
	} {
		c := qr.Classify(tc.text)
		if c.Kind != tc.kind || len(c.Credentials) != tc.creds {
			t.Errorf("Classify(%q): kind %d with %d credentials, want %d with %d", tc.text, c.Kind, len(c.Credentials), tc.kind, tc.creds)
		}
		if tc.err == "" && c.Err != nil || tc.err != "" && (c.Err == nil || !strings.Contains(c.Err.Error(), tc.err)) {
			t.Errorf("Classify(%q): error %v, want one saying %q", tc.text, c.Err, tc.err)
		}
		if d := c.Describe(); !strings.Contains(d, tc.says) {
			t.Errorf("Classify(%q).Describe() = %q, want it to say %q", tc.text, d, tc.says)
		}
		if c.Kind == qr.Token && strings.Contains(c.Describe(), tc.text[:16]) {
			t.Errorf("Describe shows the token")
		}
	}
}

// A near miss of a credential never shows any part of its secret: not
// the first 40 characters, not the query; only the kind of text, its
// length and at most a scheme or a web address's host.
func TestDescribeNearMiss(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	for text, says := range map[string]string{
		"otpauht://totp/X:y?secret=" + secret:        `mistyped otpauth:// URI (it starts "otpauht:"`,
		"otpath://totp/X?secret=" + secret:           "mistyped otpauth",
		"otp://" + secret:                            "mistyped otpauth",
		"https://example.com/setup?secret=" + secret: "carrying a secret= parameter",
		"https://api.example.com/k/" + secret:        "https://api.example.com/… (a web address of 58 characters)",
		"https://" + secret + ":x@h.example/":        "https://h.example/…",
		secret + " is the key":                       "text of",
		"WIFI:T:WPA;S:net;P:" + secret + ";;":        "Wi-Fi",
		"totp " + secret:                             "text of",
		"otpauth-migraton://offline?data=" + secret:  "mistyped otpauth",
		"steam://" + secret:                          "a steam: text",
	} {
		d := qr.Classify(text).Describe()
		if !strings.Contains(d, says) {
			t.Errorf("Describe(%q) = %q, want it to say %q", text, d, says)
		}
		for i := 0; i+4 <= len(secret); i++ {
			if strings.Contains(d, secret[i:i+4]) {
				t.Fatalf("Describe(%q) = %q shows part of the secret", text, d)
			}
		}
	}
}

func TestLooksLikeToken(t *testing.T) {
	for text, want := range map[string]bool{
		"sk_live_4eC39HqLyjWDarjtT1zdp7dc":           true,  // Stripe's documented example key
		"AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMIK7MDENG":   true,  // AWS example ID and key run together
		"da39a3ee5e6b4b0d3255bfef95601890afd80709":   true,  // 40 hex digits
		"xoxb-17653672481-19874698323-pdFZKVeTuE8sk": true,  // Slack-style
		"Abcdefgh12345678":                           true,  // 16 distinct-ish characters
		"Abcdefgh1234567":                            false, // 15 characters
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA1":      false, // no entropy
		"correcthorsebatterystaple":                  false, // one class
		"two words here 1234 ABCD":                   false, // spaces
		"https://example.com/A1b2C3d4E5f6":           false, // a URL
		"line1AbcdEfgh\nline2AbcdEfgh":               false, // two lines
		"eyJhbGciOiJub25lIn0.e30.":                   true,  // unsigned JWT
	} {
		if got := qr.LooksLikeToken(text); got != want {
			t.Errorf("LooksLikeToken(%q) = %v, want %v", text, got, want)
		}
	}
}

// FuzzClassify reads arbitrary QR texts: no panic, and the description
// shown to a person never carries control characters or a token's value.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"otpauth://totp/A:b?secret=GEZDGNBV",
		"otpauth-migration://offline?data=CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC",
		"eyJhbGciOiJub25lIn0.e30.",
		"ghp_R2d2C3poBB8Luk3Sky7wAlkerHanSolo42",
		"\x1b]0;title\x07",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c := qr.Classify(text)
		d := c.Describe()
		if strings.ContainsFunc(d, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("description %q has control characters", d)
		}
		if c.Kind == qr.Token && strings.Contains(d, text) {
			t.Fatalf("description %q shows the token", d)
		}
		// Of other text, at most a scheme or a host is shown.
		_, rest, found := strings.Cut(text, ":")
		if !found {
			rest = text
		}
		if c.Kind == qr.Other && len(rest) >= 8 && strings.Contains(d, rest) {
			t.Fatalf("description %q shows the text", d)
		}
	})
}

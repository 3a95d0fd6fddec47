package qr

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tessera-auth/tessera/otp"
)

// Kind says what a QR code's text means to an authenticator.
type Kind uint8

// The kinds of QR code content.
const (
	// Other is anything that is not a credential: a web address, a Wi-Fi
	// login, plain text. Nothing is stored from it.
	Other Kind = iota
	// OTP is an otpauth:// URI: one credential.
	OTP
	// Migration is a Google Authenticator export (otpauth-migration://):
	// any number of credentials.
	Migration
	// Token looks like an API token (see [LooksLikeToken]); it can be stored
	// as an API-token entry under a name the person gives.
	Token
)

// Content is the meaning of one QR code's text.
type Content struct {
	Text string
	Kind Kind
	// Credentials holds the credential of an OTP URI, or every credential
	// of a Migration payload, when Err is nil.
	Credentials []otp.Credential
	// Batch describes a Migration payload's place in its export.
	Batch otp.MigrationBatch
	// Warnings are the otp parser's remarks on an accepted OTP URI.
	Warnings []string
	// Err is why an otpauth or otpauth-migration text was rejected; it
	// names the field at fault and never holds the secret.
	Err error
}

// Classify reads what text, decoded from a QR code, holds.
func Classify(text string) Content {
	c := Content{Text: text}
	scheme, _, _ := strings.Cut(strings.TrimSpace(text), "://")
	switch strings.ToLower(scheme) {
	case "otpauth":
		c.Kind = OTP
		cred, warnings, err := otp.ParseURI(text)
		if err != nil {
			c.Err = err
			return c
		}
		c.Credentials, c.Warnings = []otp.Credential{cred}, warnings
	case "otpauth-migration":
		c.Kind = Migration
		b, err := otp.ParseMigration(text)
		if err != nil {
			c.Err = err
			return c
		}
		c.Credentials, c.Batch = b.Credentials, b
	default:
		if LooksLikeToken(text) {
			c.Kind = Token
		}
	}
	return c
}

// Describe says in a line what the code holds, for a person, without any
// secret: the credentials' labels, "an API token", or for anything else
// "this QR code holds no credential: " and the kind of text with its
// length, never the text itself: a near miss (otpauht://...?secret=..., a
// web address carrying a key, a Wi-Fi password) may hold a secret in any
// part of it.
func (c Content) Describe() string {
	switch {
	case c.Err != nil:
		return fmt.Sprintf("this QR code holds a damaged credential: %v", c.Err)
	case c.Kind == OTP || c.Kind == Migration:
		labels := make([]string, len(c.Credentials))
		for i := range c.Credentials {
			labels[i] = c.Credentials[i].Label()
		}
		return fmt.Sprintf("%d credential(s): %s", len(labels), strings.Join(labels, ", "))
	case c.Kind == Token:
		return fmt.Sprintf("this QR code holds what looks like an API token (%d characters)", utf8.RuneCountInString(c.Text))
	}
	return "this QR code holds no credential: " + describeOther(c.Text)
}

// describeOther names the kind of a text that holds no credential, and its
// length, showing at most a scheme or a web address's host.
func describeOther(text string) string {
	n := utf8.RuneCountInString(text)
	t := strings.TrimSpace(text)
	scheme, _, hasScheme := strings.Cut(t, ":")
	hasScheme = hasScheme && schemeShaped(scheme)
	lower := strings.ToLower(scheme)
	switch {
	case hasScheme && nearOTPAuth(lower):
		return fmt.Sprintf("text that looks like a mistyped otpauth:// URI (it starts %q, %d characters); nothing was read from it: check the scheme", lower+":", n)
	case strings.Contains(strings.ToLower(t), "secret="):
		return fmt.Sprintf("text of %d characters carrying a secret= parameter, but no otpauth:// URI; nothing was read from it", n)
	case hasScheme && (lower == "http" || lower == "https"):
		if u, err := url.Parse(t); err == nil && u.Hostname() != "" && len(u.Hostname()) <= 253 && printableHost(u.Hostname()) {
			return fmt.Sprintf("%s://%s/… (a web address of %d characters)", lower, u.Hostname(), n)
		}
		return fmt.Sprintf("a web address (%d characters)", n)
	case hasScheme && lower == "wifi":
		return fmt.Sprintf("a Wi-Fi network's login (%d characters)", n)
	case hasScheme:
		return fmt.Sprintf("a %s: text (%d characters)", lower, n)
	}
	return fmt.Sprintf("text of %d characters", n)
}

// schemeShaped reports whether s has the shape of a URI scheme (RFC 3986),
// at most 32 characters: safe to show, as no secret looks like one.
func schemeShaped(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// nearOTPAuth reports whether a scheme (lower case) is a likely mistyping
// of otpauth or otpauth-migration: within two edits, or holding "otp".
func nearOTPAuth(s string) bool {
	return strings.Contains(s, "otp") || editDistance(s, "otpauth") <= 2 || editDistance(s, "otpauth-migration") <= 2
}

// editDistance is the Levenshtein distance of two short ASCII strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// printableHost reports whether a host name holds only letters, digits,
// '-', '.', ':' and '[' ']' (IPv6).
func printableHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-.:[]", c) >= 0) {
			return false
		}
	}
	return true
}

// Token rule thresholds.
const (
	minTokenLen     = 16
	maxTokenLen     = 4096
	minTokenBitsPer = 3.0  // Shannon entropy per character
	minTokenBits    = 48.0 // Shannon entropy of the whole text
)

// LooksLikeToken reports whether text looks like an API token: either a
// JWT (three base64url parts separated by dots, the first a JSON object
// naming an "alg"), or one line of 16 to 4096 characters such that
//
//   - every character is a letter, a digit or one of - _ . ~ + / = :
//   - it mixes at least two of lower case letters, upper case letters and
//     digits,
//   - it is not a URL (no "://"),
//   - its characters carry at least 3 bits of Shannon entropy each and 48
//     bits in all, which random keys have and words and numbers do not.
func LooksLikeToken(text string) bool {
	if isJWT(text) {
		return true
	}
	if len(text) < minTokenLen || len(text) > maxTokenLen || strings.Contains(text, "://") {
		return false
	}
	var lower, upper, digit bool
	counts := map[byte]int{}
	for i := 0; i < len(text); i++ {
		ch := text[i]
		switch {
		case ch >= 'a' && ch <= 'z':
			lower = true
		case ch >= 'A' && ch <= 'Z':
			upper = true
		case ch >= '0' && ch <= '9':
			digit = true
		case strings.IndexByte("-_.~+/=:", ch) >= 0:
		default:
			return false
		}
		counts[ch]++
	}
	classes := 0
	for _, ok := range []bool{lower, upper, digit} {
		if ok {
			classes++
		}
	}
	if classes < 2 {
		return false
	}
	var h float64
	for _, n := range counts {
		p := float64(n) / float64(len(text))
		h -= p * math.Log2(p)
	}
	return h >= minTokenBitsPer && h*float64(len(text)) >= minTokenBits
}

// isJWT reports whether text is a compact JWS or JWE: base64url parts
// separated by dots whose first part is a JSON header with an "alg".
func isJWT(text string) bool {
	parts := strings.Split(text, ".")
	if len(parts) != 3 && len(parts) != 5 {
		return false
	}
	for _, p := range parts[:2] {
		if p == "" {
			return false
		}
	}
	head, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(head, &h) != nil {
		return false
	}
	_, ok := h["alg"].(string)
	return ok
}

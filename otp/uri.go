package otp

import (
	"encoding/base32"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxURILength bounds the otpauth and otpauth-migration texts the parsers
// accept; a QR code holds at most 7089 characters.
const MaxURILength = 8192

// URIError is a rejection of an otpauth URI, naming the field at fault.
type URIError struct {
	Field string // "scheme", "type", "label", "secret", "digits", ...
	Msg   string // what is wrong with it, including the value where safe
}

func (e *URIError) Error() string {
	return "otpauth: " + e.Field + " " + e.Msg
}

func uriErr(field, format string, args ...any) error {
	return &URIError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ParseURI reads an otpauth:// Key URI as Google Authenticator defines it
// (https://github.com/google/google-authenticator/wiki/Key-Uri-Format), with
// "steam" accepted as a type beside "totp" and "hotp". A TOTP URI is read
// as Steam too when it says encoder=steam, as KeePassXC writes it, or when
// its issuer is Steam and it gives no digits, as Valve's own URI does.
//
// Every field is validated; an error names the field and the value at fault
// (never the secret). Warnings describe what was accepted but questionable,
// such as a label issuer that differs from the issuer parameter (the
// parameter wins) or a HOTP URI without a counter (0 is used).
//
// The returned credential has its defaults filled in explicitly.
func ParseURI(s string) (cred Credential, warnings []string, err error) {
	if len(s) > MaxURILength {
		return Credential{}, nil, uriErr("uri", "is %d bytes long, more than %d", len(s), MaxURILength)
	}
	s = strings.TrimSpace(s)
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !strings.EqualFold(scheme, "otpauth") {
		return Credential{}, nil, uriErr("scheme", "%s", schemeMismatch(scheme, ok, "otpauth://"))
	}
	typ, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return Credential{}, nil, uriErr("label", "missing (want otpauth://TYPE/LABEL?secret=...)")
	}
	cred.Kind, err = ParseKind(typ)
	if err != nil {
		return Credential{}, nil, uriErr("type", "%q not supported (want totp, hotp or steam)", clip(typ))
	}
	rawLabel, rawQuery, _ := strings.Cut(rest, "?")
	rawQuery, _, _ = strings.Cut(rawQuery, "#")

	label, err := url.PathUnescape(rawLabel)
	if err != nil {
		return Credential{}, nil, uriErr("label", "%q is not valid percent-encoding", clip(rawLabel))
	}
	params, err := parseQuery(rawQuery)
	if err != nil {
		return Credential{}, nil, err
	}

	// Secret.
	secret, ok := params["secret"]
	if !ok || secret == "" {
		return Credential{}, nil, uriErr("secret", "missing")
	}
	cred.Secret, err = DecodeSecret(secret)
	if err != nil {
		return Credential{}, nil, &URIError{Field: "secret", Msg: strings.TrimPrefix(err.Error(), "otp: secret ")}
	}
	if len(cred.Secret) < 10 {
		warnings = append(warnings, fmt.Sprintf("secret is only %d bits long; RFC 4226 asks for at least 128", 8*len(cred.Secret)))
	}

	// Issuer and account.
	issuerParam, hasIssuerParam := params["issuer"]
	if err := checkText("issuer", issuerParam); err != nil {
		return Credential{}, nil, err
	}
	if err := checkText("label", label); err != nil {
		return Credential{}, nil, err
	}
	var prefix, account string
	var hasPrefix bool
	if hasIssuerParam && issuerParam != "" && strings.HasPrefix(label, issuerParam+":") {
		prefix, account, hasPrefix = issuerParam, label[len(issuerParam)+1:], true
	} else if p, a, ok := strings.Cut(label, ":"); ok {
		prefix, account, hasPrefix = p, a, true
	} else {
		account = label
	}
	prefix = strings.TrimSpace(prefix)
	account = strings.TrimSpace(account)
	issuerParam = strings.TrimSpace(issuerParam)
	switch {
	case hasIssuerParam && issuerParam != "":
		cred.Issuer = issuerParam
		if hasPrefix && prefix != "" && prefix != issuerParam {
			warnings = append(warnings, fmt.Sprintf("label issuer %q differs from issuer parameter %q; using %q", prefix, issuerParam, issuerParam))
		}
	default:
		cred.Issuer = prefix
	}
	cred.Account = account
	if cred.Issuer == "" && cred.Account == "" {
		return Credential{}, nil, uriErr("label", "is empty and there is no issuer parameter")
	}

	// KeePassXC and others write Steam as a TOTP URI with encoder=steam.
	if enc, ok := params["encoder"]; ok && cred.Kind == TOTP {
		if !strings.EqualFold(enc, "steam") {
			return Credential{}, nil, uriErr("encoder", "%q not supported (want steam)", clip(enc))
		}
		cred.Kind = Steam
	}

	// Algorithm.
	cred.Algorithm = SHA1
	if v, ok := params["algorithm"]; ok {
		cred.Algorithm, err = ParseAlgorithm(v)
		if err != nil {
			return Credential{}, nil, uriErr("algorithm", "%q not supported (want SHA1, SHA256 or SHA512)", clip(v))
		}
	}

	// Digits.
	cred.Digits = DefaultDigits
	if v, ok := params["digits"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Credential{}, nil, uriErr("digits", "%q is not a number", clip(v))
		}
		if n < MinDigits || n > MaxDigits {
			return Credential{}, nil, uriErr("digits", "%q out of range %d..%d", clip(v), MinDigits, MaxDigits)
		}
		cred.Digits = n
	}
	// Valve's own URI for a Steam Guard secret, and the tools that
	// extract it, say totp with issuer Steam and no digits; the codes Steam
	// accepts are Steam's. An explicit digits parameter keeps plain TOTP.
	if _, hasDigits := params["digits"]; cred.Kind == TOTP && !hasDigits && strings.EqualFold(cred.Issuer, "Steam") {
		cred.Kind = Steam
		warnings = append(warnings, `read as a Steam Guard code (5 characters), as Steam's own URIs mean it; add digits=6 to the URI for a plain TOTP code`)
	}
	if cred.Kind == Steam {
		cred.Digits = SteamDigits
	}

	// Period or counter.
	switch cred.Kind {
	case TOTP, Steam:
		cred.Period = DefaultPeriod
		if v, ok := params["period"]; ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return Credential{}, nil, uriErr("period", "%q is not a number of seconds", clip(v))
			}
			if n < 1 || n > MaxPeriod {
				return Credential{}, nil, uriErr("period", "%q out of range 1..%d", clip(v), MaxPeriod)
			}
			cred.Period = n
		}
	case HOTP:
		v, ok := params["counter"]
		if !ok {
			warnings = append(warnings, "counter missing; starting at 0")
			break
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return Credential{}, nil, uriErr("counter", "%q is not a whole number from 0 to %d", clip(v), uint64(1<<64-1))
		}
		cred.Counter = n
	}
	return cred, warnings, nil
}

// schemeMismatch describes a text that does not start with want. It quotes
// the scheme only when there is one of a scheme's shape: a text without
// one may be a bare secret pasted in, which must not reach a message.
func schemeMismatch(scheme string, found bool, want string) string {
	if !found || scheme == "" || len(scheme) > 32 {
		return "missing: the text does not start with " + want
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return "missing: the text does not start with " + want
		}
	}
	return fmt.Sprintf("%q is not %s", scheme, want)
}

// parseQuery splits a query string into its parameters. Names are compared
// in lower case; a parameter given twice is an error, since the two values
// could disagree.
func parseQuery(q string) (map[string]string, error) {
	params := make(map[string]string)
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, uriErr("parameter", "%q is not valid percent-encoding", clip(rawKey))
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			if key == "secret" {
				return nil, uriErr("secret", "is not valid percent-encoding")
			}
			return nil, uriErr(key, "%q is not valid percent-encoding", clip(rawVal))
		}
		if _, dup := params[key]; dup {
			return nil, uriErr(key, "given twice")
		}
		params[key] = val
	}
	return params, nil
}

// checkText refuses text that cannot be shown: invalid UTF-8 or control
// characters.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return uriErr(field, "%q is not valid UTF-8", clip(s))
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return uriErr(field, "%q contains a control character", clip(s))
		}
	}
	return nil
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	for i := max; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return s[:max] + "…"
}

// DecodeSecret decodes a base32 secret as people and services write it: in
// any case, with or without padding, with spaces or hyphens between groups.
// Errors give the position of a bad character but never the secret.
func DecodeSecret(s string) ([]byte, error) {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c == '=':
			// Padding: only trailing '=' are allowed.
			if strings.Trim(s[i:], "= \t") != "" {
				return nil, fmt.Errorf("otp: secret has padding '=' before its end (position %d)", i+1)
			}
			i = len(s)
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case 'A' <= c && c <= 'Z', '2' <= c && c <= '7':
		default:
			if c < 0x20 || c >= 0x7f {
				return nil, fmt.Errorf("otp: secret has a character that is not base32 at position %d", i+1)
			}
			return nil, fmt.Errorf("otp: secret has %q at position %d, which is not base32 (A-Z, 2-7)", c, i+1)
		}
		clean = append(clean, c)
	}
	if len(clean) == 0 {
		return nil, fmt.Errorf("otp: secret is empty")
	}
	switch len(clean) % 8 {
	case 1, 3, 6:
		return nil, fmt.Errorf("otp: secret has %d base32 characters, a length no whole number of bytes encodes", len(clean))
	}
	out := make([]byte, base32.StdEncoding.WithPadding(base32.NoPadding).DecodedLen(len(clean)))
	n, err := base32.StdEncoding.WithPadding(base32.NoPadding).Decode(out, clean)
	if err != nil {
		return nil, fmt.Errorf("otp: secret is not valid base32")
	}
	return out[:n], nil
}

// EncodeSecret returns the secret as upper-case base32 without padding, the
// form otpauth URIs carry.
func EncodeSecret(secret []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
}

// FormatURI writes c as a canonical otpauth URI: the label is
// "Issuer:account" (percent-encoded), and every parameter is explicit.
// For a credential in the form [ParseURI] returns, ParseURI(FormatURI(c))
// gives c back.
func FormatURI(c *Credential) string {
	var b strings.Builder
	b.WriteString("otpauth://")
	b.WriteString(c.Kind.String())
	b.WriteByte('/')
	switch {
	case c.Issuer != "":
		b.WriteString(escape(c.Issuer))
		b.WriteByte(':')
		b.WriteString(escape(c.Account))
	case strings.Contains(c.Account, ":"):
		// An empty prefix keeps the colon in the account from being read
		// as the end of an issuer.
		b.WriteByte(':')
		b.WriteString(escape(c.Account))
	default:
		b.WriteString(escape(c.Account))
	}
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(c.Secret))
	if c.Issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(c.Issuer))
	}
	b.WriteString("&algorithm=")
	b.WriteString(c.Algorithm.String())
	b.WriteString("&digits=")
	b.WriteString(strconv.Itoa(c.EffectiveDigits()))
	if c.Kind == HOTP {
		b.WriteString("&counter=")
		b.WriteString(strconv.FormatUint(c.Counter, 10))
	} else {
		b.WriteString("&period=")
		b.WriteString(strconv.Itoa(c.EffectivePeriod()))
	}
	return b.String()
}

// escape percent-encodes s for a label or a parameter value; spaces become
// %20, which both places read as a space.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

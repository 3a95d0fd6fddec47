package imports

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Sniff returns the name of the format that data (from a file called name,
// or "") is in, or "" when it is none of them. It looks at the content
// first; the name decides only for files that carry no mark of their own
// (andOTP's encrypted backups from before its round count was stored: name
// them *.aes, as andOTP does).
func Sniff(name string, data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte(authProHeader)), bytes.HasPrefix(data, []byte(authProLegacyHeader)):
		return "authpro"
	case isImage(data):
		return "qr"
	}
	text := trimBOM(data)
	text = bytes.TrimSpace(text)
	if len(text) > 0 && (text[0] == '{' || text[0] == '[') {
		if f := sniffJSON(text); f != "" {
			return f
		}
	}
	if f := sniffText(text); f != "" {
		return f
	}
	// andOTP's current encrypted backups start with a big-endian PBKDF2
	// round count (about 140,000 to 160,000 as andOTP writes them).
	if len(data) >= 44 && !utf8.Valid(data) {
		if n := binary.BigEndian.Uint32(data); n >= 1000 && n <= 10_000_000 {
			return "andotp"
		}
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".aes":
		return "andotp"
	case ".authpro":
		return "authpro"
	case ".mafile":
		return "steam" // encrypted by Steam Desktop Authenticator: base64 text
	}
	if strings.EqualFold(filepath.Base(name), "manifest.json") {
		return "steam"
	}
	return ""
}

// isImage tells the image formats otp/qr reads by their signatures.
func isImage(b []byte) bool {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")),
		bytes.HasPrefix(b, []byte("\xff\xd8\xff")),
		bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")),
		bytes.HasPrefix(b, []byte("BM")) && len(b) > 26,
		len(b) > 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return true
	}
	return false
}

func trimBOM(b []byte) []byte {
	return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
}

// sniffJSON tells JSON formats by their top-level keys.
func sniffJSON(text []byte) string {
	if text[0] == '[' {
		var arr []map[string]json.RawMessage
		if json.Unmarshal(text, &arr) == nil && len(arr) > 0 {
			if _, ok := arr[0]["secret"]; ok {
				return "andotp"
			}
		}
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(text, &obj) != nil {
		return ""
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				return false
			}
		}
		return true
	}
	switch {
	case has("header", "db"):
		return "aegis"
	case has("servicesEncrypted"), has("services", "schemaVersion"):
		return "2fas"
	case has("kdfParams", "encryptedData"):
		return "ente"
	case has("Authenticators"):
		return "authpro"
	case has("tokens"):
		return "freeotp"
	case has("items"), has("encrypted", "data"), has("passwordProtected"):
		return "bitwarden"
	case has("accounts"):
		return "lastpass"
	case has("entries", "encrypted", "first_run"), has("entries", "encrypted", "periodic_checking"):
		return "steam" // Steam Desktop Authenticator's manifest.json
	case has("entries", "version"), has("salt", "content", "version"):
		return "proton"
	case has("shared_secret"):
		return "steam"
	}
	return ""
}

// sniffText tells URI lists and CSV exports by their first line.
func sniffText(text []byte) string {
	for len(text) > 0 {
		var line []byte
		line, text, _ = bytes.Cut(text, []byte("\n"))
		l := strings.ToLower(strings.TrimSpace(string(line)))
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		switch {
		case strings.HasPrefix(l, "otpauth://"), strings.HasPrefix(l, "otpauth-migration://"), strings.HasPrefix(l, "steam://"):
			return "uris"
		case strings.Contains(l, "login_totp"):
			return "bitwarden-csv"
		case strings.Contains(l, `"title"`) && strings.Contains(l, `"totp"`), strings.HasPrefix(l, "group,title,") && strings.Contains(l, "totp"):
			return "keepassxc"
		}
		return ""
	}
	return ""
}

package vault

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"time"
)

type jwtClaims struct {
	issuer, subject string
	expires         time.Time
}

// decodeJWT reads the "iss", "sub" and "exp" claims of a token that looks
// like a JWT (three base64url parts, a JSON payload). It decodes only: the
// signature is not checked, so the claims serve display and expiry warnings,
// nothing else.
func decodeJWT(tok []byte) (jwtClaims, bool) {
	parts := bytes.Split(bytes.TrimSpace(tok), []byte("."))
	if len(parts) != 3 || len(parts[1]) > 64<<10 {
		return jwtClaims{}, false
	}
	payload := make([]byte, base64.RawURLEncoding.DecodedLen(len(parts[1])))
	n, err := base64.RawURLEncoding.Decode(payload, bytes.TrimRight(parts[1], "="))
	if err != nil {
		return jwtClaims{}, false
	}
	var c struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Exp json.RawMessage `json:"exp"`
	}
	if json.Unmarshal(payload[:n], &c) != nil {
		return jwtClaims{}, false
	}
	out := jwtClaims{issuer: c.Iss, subject: c.Sub}
	var exp float64
	if len(c.Exp) > 0 && json.Unmarshal(c.Exp, &exp) == nil && exp > 0 && exp < 1e11 {
		out.expires = time.Unix(int64(exp), 0).UTC()
	}
	return out, true
}

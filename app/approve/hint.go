package approve

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
)

// maxIDTokenHint caps the id_token_hint parameter; Tessera's own ID tokens
// are well under 2 KiB.
const maxIDTokenHint = 4096

// subjectOfIDTokenHint returns the subject of an id_token_hint: an ID token
// Tessera issued earlier to the same client, signed with one of its keys
// (expired tokens are accepted, as the hint only names the person). Any
// other token is refused: Tessera does not trust what it did not sign.
func (s *Service) subjectOfIDTokenHint(tok string, c Client) (string, error) {
	if len(tok) > maxIDTokenHint {
		return "", errors.New("is too long to be an ID token of Tessera's")
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", errors.New("is not a signed JWT (three dot-separated parts)")
	}
	enc := base64.RawURLEncoding
	rawHeader, err1 := enc.DecodeString(parts[0])
	rawClaims, err2 := enc.DecodeString(parts[1])
	sig, err3 := enc.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", errors.New("is not base64url JWT text")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil {
		return "", errors.New("has a header that is not JSON")
	}
	var key *publicKey
	for _, p := range s.publicKeys() {
		if p.kid == header.Kid && p.alg == header.Alg {
			key = &p
			break
		}
	}
	if key == nil {
		return "", errors.New("was not signed by a key of this Tessera")
	}
	input := []byte(parts[0] + "." + parts[1])
	if !verifySignature(*key, input, sig) {
		return "", errors.New("has a signature that does not verify")
	}
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
	}
	if err := json.Unmarshal(rawClaims, &claims); err != nil {
		return "", errors.New("has claims that are not JSON")
	}
	if claims.Iss != s.Issuer() {
		return "", errors.New("was issued by another issuer")
	}
	var aud []string
	if json.Unmarshal(claims.Aud, &aud) != nil {
		var one string
		if json.Unmarshal(claims.Aud, &one) != nil {
			return "", errors.New("has no audience")
		}
		aud = []string{one}
	}
	if !slices.Contains(aud, c.ID) {
		return "", errors.New("was issued to another client")
	}
	if claims.Sub == "" {
		return "", errors.New("names no subject")
	}
	return claims.Sub, nil
}

// publicKeys returns the public keys jwks serves, for verifying Tessera's
// own tokens.
func (s *Service) publicKeys() []publicKey {
	s.JWKS() // loads the keys when the vault is open
	return s.cachedKeys()
}

func verifySignature(k publicKey, input, sig []byte) bool {
	switch pub := k.key.(type) {
	case *ecdsa.PublicKey:
		if k.alg != ES256 || len(sig) != 64 {
			return false
		}
		sum := sha256.Sum256(input)
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, sum[:], r, s)
	case ed25519.PublicKey:
		return k.alg == EdDSA && ed25519.Verify(pub, input, sig)
	}
	return false
}

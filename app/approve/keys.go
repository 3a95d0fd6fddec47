package approve

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// Signing algorithms of ID tokens. ES256 comes first in discovery, for the
// widest library support.
const (
	ES256 = "ES256"
	EdDSA = "EdDSA"
)

// Algorithms lists the ID token algorithms, in discovery's order.
var Algorithms = []string{ES256, EdDSA}

// KeepRetired is how long a rotated-out key stays in jwks, so tokens it
// signed still verify.
const KeepRetired = 30 * 24 * time.Hour

type keyRecord struct {
	ID      string    `json:"kid"`
	Alg     string    `json:"alg"`
	Private []byte    `json:"pkcs8"`
	Created time.Time `json:"created"`
	Retired time.Time `json:"retired,omitzero"`
}

type keysDoc struct {
	Version int         `json:"version"`
	Keys    []keyRecord `json:"keys"`
}

type publicKey struct {
	kid, alg string
	key      crypto.PublicKey
}

func newKey(alg string, now time.Time) (keyRecord, error) {
	var priv any
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return keyRecord{}, err
		}
		priv = k
	case EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return keyRecord{}, err
		}
		priv = k
	default:
		return keyRecord{}, fmt.Errorf("unknown algorithm %q", alg)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return keyRecord{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.(crypto.Signer).Public())
	if err != nil {
		return keyRecord{}, err
	}
	sum := sha256.Sum256(pub)
	return keyRecord{ID: base64.RawURLEncoding.EncodeToString(sum[:12]), Alg: alg, Private: der, Created: now.UTC()}, nil
}

// loadKeys reads the keys file, creating the keys on first use, and
// refreshes the cache of public keys. It needs an unlocked store.
func (s *Service) loadKeys(st Store) (*keysDoc, error) {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	doc := new(keysDoc)
	b, err := st.ReadSealed(keysFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		doc.Version = 1
		for _, alg := range Algorithms {
			k, err := newKey(alg, s.clock.Now())
			if err != nil {
				return nil, fmt.Errorf("making a signing key: %w", err)
			}
			doc.Keys = append(doc.Keys, k)
		}
		if err := writeJSON(st, keysFile, doc); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("reading the signing keys: %w", err)
	default:
		err := json.Unmarshal(b, doc)
		clear(b)
		if err != nil {
			return nil, fmt.Errorf("reading the signing keys: %w", err)
		}
	}
	pubs := make([]publicKey, 0, len(doc.Keys))
	for _, k := range doc.Keys {
		priv, err := x509.ParsePKCS8PrivateKey(k.Private)
		if err != nil {
			return nil, fmt.Errorf("reading signing key %s: %w", k.ID, err)
		}
		pubs = append(pubs, publicKey{kid: k.ID, alg: k.Alg, key: priv.(crypto.Signer).Public()})
	}
	s.mu.Lock()
	s.pubKeys = pubs
	s.mu.Unlock()
	return doc, nil
}

// RotateKeys makes new signing keys for every algorithm, for clients
// paired from now on. The old ones stay for [KeepRetired], in jwks and
// signing the tokens of the clients that pinned them; after that those
// clients must pair again.
func (s *Service) RotateKeys() error {
	st := s.store()
	if st == nil {
		return ErrLockedVault
	}
	doc, err := s.loadKeys(st)
	if err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	kept := doc.Keys[:0]
	for _, k := range doc.Keys {
		if k.Retired.IsZero() {
			k.Retired = now
		}
		if now.Sub(k.Retired) < KeepRetired {
			kept = append(kept, k)
		}
	}
	doc.Keys = kept
	for _, alg := range Algorithms {
		k, err := newKey(alg, now)
		if err != nil {
			return err
		}
		doc.Keys = append(doc.Keys, k)
	}
	s.keysMu.Lock()
	err = writeJSON(st, keysFile, doc)
	s.keysMu.Unlock()
	if err != nil {
		return err
	}
	_, err = s.loadKeys(st)
	return err
}

// keyFor returns the key that signs c's tokens: the one pinned at
// pairing while it is kept, else the current key of c's algorithm.
func (doc *keysDoc) keyFor(c Client) (keyRecord, bool) {
	for _, k := range doc.Keys {
		if k.ID == c.KeyID && k.Alg == c.Alg {
			return k, true
		}
	}
	return doc.currentKey(c.Alg)
}

// currentKey returns the newest unretired key of alg.
func (doc *keysDoc) currentKey(alg string) (keyRecord, bool) {
	for i := len(doc.Keys) - 1; i >= 0; i-- {
		if k := doc.Keys[i]; k.Alg == alg && k.Retired.IsZero() {
			return k, true
		}
	}
	return keyRecord{}, false
}

// sign returns the compact JWS of claims signed with k.
func sign(k keyRecord, claims any) (string, error) {
	priv, err := x509.ParsePKCS8PrivateKey(k.Private)
	if err != nil {
		return "", fmt.Errorf("reading signing key %s: %w", k.ID, err)
	}
	header, _ := json.Marshal(map[string]string{"alg": k.Alg, "kid": k.ID, "typ": "JWT"})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	var sig []byte
	switch p := priv.(type) {
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, p, sum[:])
		if err != nil {
			return "", err
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case ed25519.PrivateKey:
		sig = ed25519.Sign(p, []byte(input))
	default:
		return "", fmt.Errorf("signing key %s has an unknown type", k.ID)
	}
	return input + "." + enc.EncodeToString(sig), nil
}

// JWK is one public key as RFC 7517 writes it.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y,omitempty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

func toJWK(p publicKey) JWK {
	enc := base64.RawURLEncoding
	j := JWK{Kid: p.kid, Alg: p.alg, Use: "sig"}
	switch k := p.key.(type) {
	case *ecdsa.PublicKey:
		j.Kty, j.Crv = "EC", "P-256"
		b, _ := k.Bytes() // 0x04 || X || Y
		if len(b) == 65 {
			j.X, j.Y = enc.EncodeToString(b[1:33]), enc.EncodeToString(b[33:])
		}
	case ed25519.PublicKey:
		j.Kty, j.Crv = "OKP", "Ed25519"
		j.X = enc.EncodeToString(k)
	}
	return j
}

// PublicKey returns the Go public key of j, for verifiers.
func (j JWK) PublicKey() (crypto.PublicKey, error) {
	dec := base64.RawURLEncoding
	x, err := dec.DecodeString(j.X)
	if err != nil {
		return nil, fmt.Errorf("key %s: x: %w", j.Kid, err)
	}
	switch {
	case j.Kty == "EC" && j.Crv == "P-256" && j.Alg == ES256:
		y, err := dec.DecodeString(j.Y)
		if err != nil || len(x) != 32 || len(y) != 32 {
			return nil, fmt.Errorf("key %s: bad P-256 coordinates", j.Kid)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("key %s: point is not on P-256", j.Kid)
		}
		return pub, nil
	case j.Kty == "OKP" && j.Crv == "Ed25519" && j.Alg == EdDSA:
		if len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("key %s: bad Ed25519 key length", j.Kid)
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("key %s: unsupported key type %s/%s/%s", j.Kid, j.Kty, j.Crv, j.Alg)
}

// JWKS returns the jwks_uri document: every public signing key, retired
// ones included. While the vault has never been unlocked it is empty.
func (s *Service) JWKS() []byte {
	if st := s.store(); st != nil && len(s.cachedKeys()) == 0 {
		s.loadKeys(st) // best effort: fills the cache
	}
	keys := []JWK{}
	for _, p := range s.cachedKeys() {
		keys = append(keys, toJWK(p))
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// KeyIDs returns the IDs of the signing keys (loading them once the vault
// is unlocked), for the discovery file.
func (s *Service) KeyIDs() []string {
	s.JWKS()
	var ids []string
	for _, p := range s.cachedKeys() {
		ids = append(ids, p.kid)
	}
	return ids
}

func (s *Service) cachedKeys() []publicKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pubKeys
}

// writeJSON marshals v into the sealed file name.
func writeJSON(st Store, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	defer clear(b)
	if err := st.WriteSealed(name, b); err != nil {
		return fmt.Errorf("saving %s: %w", name, err)
	}
	return nil
}

// store returns the unlocked store, or nil.
func (s *Service) store() Store {
	st := s.cfg.Store()
	if st == nil || st.Locked() {
		return nil
	}
	return st
}

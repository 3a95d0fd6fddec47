// Package webauthntest is a software security key for tests: it answers
// Tessera's WebAuthn options as a browser with a CTAP2 key would, and
// drives a ceremony's page over HTTP ([SoftKey.Answer]) where no real
// browser runs.
package webauthntest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// SoftKey is a software authenticator and the page that drives it, in
// one: it answers the options Tessera sends the way a browser with a
// CTAP2 key would, ES256 with "none" attestation and the PRF extension
// (HMAC-SHA256 over the PRF input, as CTAP's hmac-secret). Its knobs make
// it misbehave in one way each, for the fail-closed tests.
type SoftKey struct {
	Priv   *ecdsa.PrivateKey
	CredID []byte
	Secret []byte // the PRF key
	Count  uint32

	NoUV         bool   // leave the UV flag clear
	NoPRF        bool   // give no PRF result (at create: no prf.enabled)
	PRFLen       int    // give a PRF result of this length (0: 32)
	PRFFlip      bool   // give a PRF result with one bit changed
	BadSignature bool   // flip a bit of the signature
	SignedOrigin string // sign client data for this origin ("": the server's)
}

// NewSoftKey returns a key with a fresh P-256 key pair, credential ID and
// PRF secret, its signature counter at 5.
func NewSoftKey(t testing.TB) *SoftKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := &SoftKey{Priv: priv, CredID: make([]byte, 48), Secret: make([]byte, 32), Count: 5}
	rand.Read(k.CredID)
	rand.Read(k.Secret)
	return k
}

var b64 = base64.RawURLEncoding

func (k *SoftKey) clientData(typ, challenge, origin string) []byte {
	if k.SignedOrigin != "" {
		origin = k.SignedOrigin
	}
	cd, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return cd
}

func (k *SoftKey) flags(attested bool) byte {
	f := byte(0x01) // UP
	if !k.NoUV {
		f |= 0x04
	}
	if attested {
		f |= 0x40
	}
	return f
}

func (k *SoftKey) authData(rpID string, attested bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	ad := append(h[:], k.flags(attested))
	k.Count++
	return binary.BigEndian.AppendUint32(ad, k.Count)
}

// options is what the soft key reads of Tessera's options.
type options struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	RPID       string `json:"rpId"`
	Extensions struct {
		PRF *struct {
			Eval *struct {
				First string `json:"first"`
			} `json:"eval"`
			EvalByCredential map[string]struct {
				First string `json:"first"`
			} `json:"evalByCredential"`
		} `json:"prf"`
	} `json:"extensions"`
	AllowCredentials []struct {
		ID string `json:"id"`
	} `json:"allowCredentials"`
	UserVerification       string `json:"userVerification"`
	AuthenticatorSelection struct {
		UserVerification string `json:"userVerification"`
	} `json:"authenticatorSelection"`
}

// Create answers creation options as navigator.credentials.create would.
func (k *SoftKey) Create(t testing.TB, opts json.RawMessage, origin string) json.RawMessage {
	t.Helper()
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	if o.AuthenticatorSelection.UserVerification != "required" {
		t.Fatalf("creation options ask for user verification %q, want required", o.AuthenticatorSelection.UserVerification)
	}
	if o.Extensions.PRF == nil {
		t.Fatal("creation options do not request the PRF extension")
	}
	pub, err := k.Priv.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	cose := COSEKey(t, pub)
	ad := k.authData(o.RP.ID, true)
	ad = append(ad, make([]byte, 16)...) // AAGUID
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(k.CredID)))
	ad = append(ad, k.CredID...)
	ad = append(ad, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad})
	if err != nil {
		t.Fatal(err)
	}
	ext := map[string]any{}
	if !k.NoPRF {
		ext["prf"] = map[string]any{"enabled": true}
	}
	out, _ := json.Marshal(map[string]any{
		"id":    b64.EncodeToString(k.CredID),
		"rawId": b64.EncodeToString(k.CredID),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(k.clientData("webauthn.create", o.Challenge, origin)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"usb"},
		},
		"clientExtensionResults": ext,
	})
	return out
}

// COSEKey is the COSE_Key of an uncompressed P-256 public key (0x04 || X
// || Y) for ES256.
func COSEKey(t testing.TB, pub []byte) []byte {
	t.Helper()
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:]})
	if err != nil {
		t.Fatal(err)
	}
	return cose
}

// Get answers request options as navigator.credentials.get would, whether
// or not the options allow this key.
func (k *SoftKey) Get(t testing.TB, opts json.RawMessage, origin string) json.RawMessage {
	t.Helper()
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatal(err)
	}
	if o.UserVerification != "required" {
		t.Fatalf("request options ask for user verification %q, want required", o.UserVerification)
	}
	ad := k.authData(o.RPID, false)
	cd := k.clientData("webauthn.get", o.Challenge, origin)
	cdh := sha256.Sum256(cd)
	digest := sha256.Sum256(append(bytes.Clone(ad), cdh[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.Priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	if k.BadSignature {
		sig[len(sig)-1] ^= 1
	}

	ext := map[string]any{}
	if prf := o.Extensions.PRF; prf != nil && !k.NoPRF {
		var salt string
		if prf.Eval != nil {
			salt = prf.Eval.First
		}
		if v, ok := prf.EvalByCredential[b64.EncodeToString(k.CredID)]; ok {
			salt = v.First
		}
		if salt != "" { // else a browser would not ask this key
			out := k.PRF(t, salt)
			if k.PRFLen != 0 {
				out = bytes.Repeat(out, 3)[:k.PRFLen]
			}
			if k.PRFFlip {
				out[0] ^= 1
			}
			ext["prf"] = map[string]any{"results": map[string]any{"first": b64.EncodeToString(out)}}
		}
	}
	out, _ := json.Marshal(map[string]any{
		"id":    b64.EncodeToString(k.CredID),
		"rawId": b64.EncodeToString(k.CredID),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
		},
		"clientExtensionResults": ext,
	})
	return out
}

// PRF is the key's PRF on a base64url input, as WebAuthn maps PRF inputs
// to CTAP hmac-secret salts.
func (k *SoftKey) PRF(t testing.TB, salt string) []byte {
	in, err := b64.DecodeString(salt)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(append([]byte("WebAuthn PRF\x00"), in...))
	m := hmac.New(sha256.New, k.Secret)
	m.Write(s[:])
	return m.Sum(nil)
}

// Answer plays the page a ceremony's URL (http://localhost:PORT/key/#TOKEN)
// opens: it trades the token for the options, answers them as the key,
// and posts each answer, as Tessera's page does in a browser. It returns
// nil once the server says the ceremony is done, else the error the
// server gave the page. A test that is not itself the page may call it
// from any goroutine: it touches t only through t.Fatal on its own bugs.
func (k *SoftKey) Answer(t testing.TB, pageURL string) error {
	u, err := url.Parse(pageURL)
	if err != nil || u.Fragment == "" {
		return fmt.Errorf("ceremony URL %q has no token in its fragment", pageURL)
	}
	origin := u.Scheme + "://" + u.Host
	base := origin + u.Path
	var r answer
	if r, err = post(origin, base+"start", map[string]any{"token": u.Fragment}); err != nil {
		return err
	}
	for !r.Done {
		var cred json.RawMessage
		switch {
		case r.Create != nil:
			cred = k.Create(t, r.Create, origin)
		case r.Get != nil:
			cred = k.Get(t, r.Get, origin)
		default:
			return fmt.Errorf("the page got neither options nor done: %+v", r)
		}
		if r, err = post(origin, base+"finish", map[string]any{"token": r.Token, "credential": cred}); err != nil {
			return err
		}
	}
	return nil
}

// Fail reports a failed WebAuthn call from the page, as Tessera's page
// does when the browser's call fails (name is its DOMException name).
func Fail(pageURL, name, message string) error {
	u, err := url.Parse(pageURL)
	if err != nil || u.Fragment == "" {
		return fmt.Errorf("ceremony URL %q has no token in its fragment", pageURL)
	}
	origin := u.Scheme + "://" + u.Host
	_, err = post(origin, origin+u.Path+"fail", map[string]any{"token": u.Fragment, "name": name, "message": message})
	return err
}

// answer is what the server answers the page.
type answer struct {
	Token  string          `json:"token"`
	Create json.RawMessage `json:"create"`
	Get    json.RawMessage `json:"get"`
	Done   bool            `json:"done"`
	Error  string          `json:"error"`
}

// post sends what a same-origin fetch of the page sends.
func post(origin, to string, body any) (answer, error) {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", to, bytes.NewReader(data))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return answer{}, fmt.Errorf("POST %s: %d, not JSON: %q", to, resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		return answer{}, fmt.Errorf("POST %s: %d: %s", to, resp.StatusCode, a.Error)
	}
	return a, nil
}

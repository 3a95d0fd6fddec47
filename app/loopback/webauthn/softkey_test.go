package webauthn_test

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
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
)

// softKey is a software authenticator and the page that drives it, in
// one: it answers the options Tessera sends the way a browser with a
// CTAP2 key would, ES256 with "none" attestation and the PRF extension
// (HMAC-SHA256 over the PRF input, as CTAP's hmac-secret). Its knobs make
// it misbehave in one way each, for the fail-closed tests.
type softKey struct {
	priv   *ecdsa.PrivateKey
	credID []byte
	secret []byte // the PRF key
	count  uint32

	noUV         bool   // leave the UV flag clear
	noPRF        bool   // give no PRF result (at create: no prf.enabled)
	prfLen       int    // give a PRF result of this length (0: 32)
	prfFlip      bool   // give a PRF result with one bit changed
	badSignature bool   // flip a bit of the signature
	signedOrigin string // sign client data for this origin ("": the server's)
}

func newSoftKey(t testing.TB) *softKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := &softKey{priv: priv, credID: make([]byte, 48), secret: make([]byte, 32), count: 5}
	rand.Read(k.credID)
	rand.Read(k.secret)
	return k
}

var b64 = base64.RawURLEncoding

func (k *softKey) clientData(typ, challenge, origin string) []byte {
	if k.signedOrigin != "" {
		origin = k.signedOrigin
	}
	cd, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return cd
}

func (k *softKey) flags(attested bool) byte {
	f := byte(0x01) // UP
	if !k.noUV {
		f |= 0x04
	}
	if attested {
		f |= 0x40
	}
	return f
}

func (k *softKey) authData(rpID string, attested bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	ad := append(h[:], k.flags(attested))
	k.count++
	return binary.BigEndian.AppendUint32(ad, k.count)
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

// create answers creation options as navigator.credentials.create would.
func (k *softKey) create(t testing.TB, opts json.RawMessage, origin string) json.RawMessage {
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
	pub, err := k.priv.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	cose := coseKey(t, pub)
	ad := k.authData(o.RP.ID, true)
	ad = append(ad, make([]byte, 16)...) // AAGUID
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(k.credID)))
	ad = append(ad, k.credID...)
	ad = append(ad, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad})
	if err != nil {
		t.Fatal(err)
	}
	ext := map[string]any{}
	if !k.noPRF {
		ext["prf"] = map[string]any{"enabled": true}
	}
	out, _ := json.Marshal(map[string]any{
		"id":    b64.EncodeToString(k.credID),
		"rawId": b64.EncodeToString(k.credID),
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

// coseKey is the COSE_Key of an uncompressed P-256 public key (0x04 || X
// || Y) for ES256.
func coseKey(t testing.TB, pub []byte) []byte {
	t.Helper()
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:]})
	if err != nil {
		t.Fatal(err)
	}
	return cose
}

// get answers request options as navigator.credentials.get would, whether
// or not the options allow this key.
func (k *softKey) get(t testing.TB, opts json.RawMessage, origin string) json.RawMessage {
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
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	if k.badSignature {
		sig[len(sig)-1] ^= 1
	}

	ext := map[string]any{}
	if prf := o.Extensions.PRF; prf != nil && !k.noPRF {
		var salt string
		if prf.Eval != nil {
			salt = prf.Eval.First
		}
		if v, ok := prf.EvalByCredential[b64.EncodeToString(k.credID)]; ok {
			salt = v.First
		}
		if salt != "" { // else a browser would not ask this key
			out := k.prf(t, salt)
			if k.prfLen != 0 {
				out = bytes.Repeat(out, 3)[:k.prfLen]
			}
			if k.prfFlip {
				out[0] ^= 1
			}
			ext["prf"] = map[string]any{"results": map[string]any{"first": b64.EncodeToString(out)}}
		}
	}
	out, _ := json.Marshal(map[string]any{
		"id":    b64.EncodeToString(k.credID),
		"rawId": b64.EncodeToString(k.credID),
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

// prf is the key's PRF on a base64url input, as WebAuthn maps PRF inputs
// to CTAP hmac-secret salts.
func (k *softKey) prf(t testing.TB, salt string) []byte {
	in, err := b64.DecodeString(salt)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(append([]byte("WebAuthn PRF\x00"), in...))
	m := hmac.New(sha256.New, k.secret)
	m.Write(s[:])
	return m.Sum(nil)
}

// server is a Ceremonies mounted on a test HTTP server, reached as
// http://localhost:PORT.
type server struct {
	cs     *webauthn.Ceremonies
	srv    *httptest.Server
	origin string
}

func newServer(t testing.TB, cfg webauthn.Config) *server {
	t.Helper()
	s := &server{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.cs.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	u, _ := url.Parse(s.srv.URL)
	s.origin = "http://localhost:" + u.Port()
	cfg.Origin = s.origin
	cs, err := webauthn.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.cs = cs
	return s
}

// page is what a page does over HTTP: it posts JSON to the ceremony's
// endpoints with the headers a browser sets for a same-origin fetch.
type page struct {
	t      testing.TB
	s      *server
	origin string // the Origin header ("": the server's)
	token  string // the token of the next step
}

// open takes the token from a ceremony's URL, as the page does.
func (s *server) open(t testing.TB, c *webauthn.Ceremony) *page {
	t.Helper()
	u, err := url.Parse(c.URL())
	if err != nil || u.Fragment == "" {
		t.Fatalf("ceremony URL %q has no token in its fragment", c.URL())
	}
	if want := s.origin + "/key/"; !strings.HasPrefix(c.URL(), want+"#") {
		t.Fatalf("ceremony URL does not start with %s#", want)
	}
	return &page{t: t, s: s, token: u.Fragment}
}

// reply is any answer of the endpoints.
type reply struct {
	Kind     string          `json:"kind"`
	Token    string          `json:"token"`
	Create   json.RawMessage `json:"create"`
	Get      json.RawMessage `json:"get"`
	Done     bool            `json:"done"`
	Message  string          `json:"message"`
	Error    string          `json:"error"`
	Reported bool            `json:"reported"`
}

// post sends body to the endpoint what and returns the status and answer.
func (p *page) post(what string, body any) (int, reply) {
	p.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.postRaw(what, "application/json", data, nil)
}

func (p *page) postRaw(what, ctype string, data []byte, header http.Header) (int, reply) {
	p.t.Helper()
	req, err := http.NewRequest("POST", p.s.srv.URL+"/key/"+what, bytes.NewReader(data))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Host = strings.TrimPrefix(p.s.origin, "http://")
	origin := p.origin
	if origin == "" {
		origin = p.s.origin
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Content-Type", ctype)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		p.t.Fatalf("POST %s: answer is not JSON: %q", what, raw)
	}
	return resp.StatusCode, r
}

// start trades the URL's token for the first step.
func (p *page) start() reply {
	p.t.Helper()
	code, r := p.post("start", map[string]string{"token": p.token})
	if code != http.StatusOK {
		p.t.Fatalf("start: %d %s", code, r.Error)
	}
	p.token = r.Token
	return r
}

// finish posts a credential for the current step.
func (p *page) finish(cred json.RawMessage) (int, reply) {
	p.t.Helper()
	code, r := p.post("finish", map[string]any{"token": p.token, "credential": cred})
	if r.Token != "" {
		p.token = r.Token
	}
	return code, r
}

func (r reply) String() string {
	return fmt.Sprintf("{done=%v message=%q error=%q}", r.Done, r.Message, r.Error)
}

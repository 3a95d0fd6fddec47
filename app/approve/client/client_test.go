package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/approve/client"
	"github.com/tessera-auth/tessera/app/loopback"
	"github.com/tessera-auth/tessera/vault"
)

type asker struct{ ch chan approve.Prompt }

func (a asker) Ask(p approve.Prompt) { a.ch <- p }
func (a asker) Withdraw(string)      {}

func (a asker) next(t *testing.T) approve.Prompt {
	t.Helper()
	select {
	case p := <-a.ch:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no prompt")
		return approve.Prompt{}
	}
}

func start(t *testing.T) (*approve.Service, asker) {
	v, _, err := vault.Create(t.TempDir(), "correct horse", &vault.Options{WorkFactor: 10})
	if err != nil {
		t.Fatal(err)
	}
	a := asker{make(chan approve.Prompt, 10)}
	svc := approve.New(approve.Config{Store: func() approve.Store { return v }, Asker: a, Interval: time.Second, MinExpiry: time.Second})
	t.Cleanup(svc.Close)
	srv, _, err := loopback.StartApprovals(svc, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return svc, a
}

// TestPairRequestWait: the library pairs (the person types the printed
// code), saves and loads its file, and gets approved, denied and expired
// answers, the approval's token verified.
func TestPairRequestWait(t *testing.T) {
	svc, a := start(t)
	ctx := context.Background()
	for _, alg := range approve.Algorithms {
		c, err := client.Pair(ctx, svc.Issuer(), client.PairOptions{Name: "ci " + alg, Alg: alg, ShowCode: func(code string) {
			go func() {
				if err := svc.Approve(a.next(t).ID, code); err != nil {
					t.Error(err)
				}
			}()
		}})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "client.json")
		if err := c.Save(path); err != nil {
			t.Fatal(err)
		}
		if c, err = client.Load(path); err != nil {
			t.Fatal(err)
		}
		p, err := c.Start(ctx, client.Request{LoginHint: "alice", Message: "deploy", Context: map[string]string{"host": "web-3"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Approve(a.next(t).ID, p.MatchCode); err != nil {
			t.Fatal(err)
		}
		d, err := c.Wait(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if d.Claims.Subject != "alice" || d.Claims.Context["host"] != "web-3" || d.Claims.ACR != approve.ACRMatched {
			t.Fatalf("claims %+v", d.Claims)
		}

		p, _ = c.Start(ctx, client.Request{LoginHint: "alice"})
		svc.Deny(a.next(t).ID, false)
		if _, err := c.Wait(ctx, p); !errors.Is(err, client.ErrDenied) {
			t.Fatalf("denied: %v", err)
		}
		p, _ = c.Start(ctx, client.Request{LoginHint: "alice", Expiry: time.Second})
		a.next(t)
		if _, err := c.Wait(ctx, p); !errors.Is(err, client.ErrExpired) {
			t.Fatalf("expired: %v", err)
		}
	}
	// A revoked client is refused.
	cs, _ := svc.Clients()
	c := &client.Client{Issuer: svc.Issuer(), ClientID: cs[0].ID, ClientSecret: "wrong", Alg: approve.ES256}
	if _, err := c.Start(ctx, client.Request{LoginHint: "alice"}); !errors.Is(err, client.ErrRefused) {
		t.Fatalf("wrong secret: %v", err)
	}
}

// TestVerifyRefuses: every token that is not exactly what the pinned key,
// algorithm, issuer and client ID promise is refused.
func TestVerifyRefuses(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	pb, _ := priv.PublicKey.Bytes()
	enc := base64.RawURLEncoding
	c := &client.Client{
		Issuer: "http://127.0.0.1:7787", ClientID: "tc_me", Alg: approve.ES256,
		Key: approve.JWK{Kty: "EC", Crv: "P-256", X: enc.EncodeToString(pb[1:33]), Y: enc.EncodeToString(pb[33:]), Kid: "k1", Alg: approve.ES256, Use: "sig"},
	}
	now := time.Now()
	claims := func(mod func(m map[string]any)) map[string]any {
		m := map[string]any{"iss": c.Issuer, "sub": "alice", "aud": "tc_me", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "x"}
		if mod != nil {
			mod(m)
		}
		return m
	}
	tok := func(alg, kid string, body map[string]any, signer func(input []byte) []byte) string {
		h, _ := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
		p, _ := json.Marshal(body)
		in := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
		return in + "." + enc.EncodeToString(signer([]byte(in)))
	}
	es := func(k *ecdsa.PrivateKey) func([]byte) []byte {
		return func(in []byte) []byte {
			sum := sha256.Sum256(in)
			r, s, _ := ecdsa.Sign(rand.Reader, k, sum[:])
			out := make([]byte, 64)
			r.FillBytes(out[:32])
			s.FillBytes(out[32:])
			return out
		}
	}
	none := func([]byte) []byte { return nil }
	hs := func(in []byte) []byte { m := hmac.New(sha256.New, pb); m.Write(in); return m.Sum(nil) }
	ed := func(in []byte) []byte { return ed25519.Sign(edPriv, in) }

	if _, err := c.Verify(context.Background(), tok("ES256", "k1", claims(nil), es(priv))); err != nil {
		t.Fatalf("a good token is refused: %v", err)
	}
	bad := map[string]string{
		"alg none":     tok("none", "k1", claims(nil), none),
		"HS256":        tok("HS256", "k1", claims(nil), hs),
		"EdDSA":        tok("EdDSA", "k1", claims(nil), ed),
		"another key":  tok("ES256", "k1", claims(nil), es(other)),
		"another kid":  tok("ES256", "k2", claims(nil), es(priv)),
		"issuer":       tok("ES256", "k1", claims(func(m map[string]any) { m["iss"] = "http://127.0.0.1:7788" }), es(priv)),
		"audience":     tok("ES256", "k1", claims(func(m map[string]any) { m["aud"] = "tc_other" }), es(priv)),
		"expired":      tok("ES256", "k1", claims(func(m map[string]any) { m["exp"] = now.Add(-time.Minute).Unix() }), es(priv)),
		"no signature": tok("ES256", "k1", claims(nil), none),
		"garbage":      "a.b.c",
	}
	for name, raw := range bad {
		if _, err := c.Verify(context.Background(), raw); !errors.Is(err, client.ErrBadToken) {
			t.Errorf("%s: err = %v, want ErrBadToken", name, err)
		}
	}
}

// TestPairWrongIssuer: pairing through another name for the server fails
// before the person is asked.
func TestPairWrongIssuer(t *testing.T) {
	svc, a := start(t)
	other := strings.Replace(svc.Issuer(), "127.0.0.1", "localhost", 1)
	_, err := client.Pair(context.Background(), other, client.PairOptions{Name: "x"})
	if err == nil || !strings.Contains(err.Error(), svc.Issuer()) {
		t.Fatalf("pairing via %s: %v", other, err)
	}
	select {
	case p := <-a.ch:
		t.Fatalf("the person was asked: %+v", p)
	default:
	}
}

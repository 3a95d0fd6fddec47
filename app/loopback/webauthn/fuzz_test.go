package webauthn_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/app/loopback/webauthn/webauthntest"
	"github.com/tessera-auth/tessera/vault"
)

// FuzzFinish posts arbitrary bytes as the browser's answer to an unlock
// and as a whole request body. The handler must answer with a JSON error
// (never a panic, never a success), and the ceremony must end with an
// error.
func FuzzFinish(f *testing.F) {
	s := newServer(f, webauthn.Config{})
	k := webauthntest.NewSoftKey(f)
	key := vault.SecurityKey{CredentialID: k.CredID, PRFSalt: make([]byte, vault.PRFSize), PublicKey: []byte{0xa0}}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}`))
	f.Add([]byte(`{"type":"public-key","clientExtensionResults":{"prf":{"results":{"first":"AAAA"}}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := s.cs.BeginUnlock(userID, []vault.SecurityKey{key})
		if err != nil {
			t.Fatal(err)
		}
		p := s.open(t, c)
		p.start()
		var code int
		var r reply
		if json.Valid(data) {
			code, r = p.finish(json.RawMessage(data))
		} else {
			code, r = p.postRaw("finish", "application/json", data, nil)
		}
		if code == http.StatusOK || r.Done || r.Error == "" {
			t.Fatalf("arbitrary input got %d %s", code, r)
		}
		c.Cancel()
		if res, err := c.Wait(t.Context()); err == nil || res != nil {
			t.Fatalf("the ceremony ended with %v, %v", res, err)
		}
	})
}

package loopback_test

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/loopback"
)

// FuzzParseForm: any body either parses into parameters that each appear
// once and are valid UTF-8, or is refused with an error; never a panic.
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"", "a=b", "scope=openid&login_hint=alice", "a=b&a=c", "a=%zz", "&", "=x", "a", "a=b;c=d", "a=%ff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		form, err := loopback.ParseForm(body)
		if err != nil {
			return
		}
		if len(form) > loopback.MaxParams {
			t.Fatalf("%d parameters", len(form))
		}
		for k, v := range form {
			if k == "" || !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("parameter %q=%q", k, v)
			}
		}
	})
}

// FuzzDecodeJSON: the pairing bodies decode only when they are one object
// of known fields, each once.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"client_name":"a"}`, `{"client_name":"a","client_name":"b"}`, `{"client_name":1}`, `{}`, `[]`, `{"client_name":"a"} x`, `{"tessera_no_match_code":true,"id_token_signed_response_alg":"EdDSA","client_name":"x"}`, `{"Client_Name":"a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req approve.PairRequest
		if err := loopback.DecodeJSON(body, &req); err != nil {
			return
		}
		if !utf8.Valid(body) || strings.Count(string(body), `"client_name"`) > 1 && !strings.Contains(string(body), `\`) {
			t.Fatalf("accepted %q", body)
		}
	})
}

// FuzzEndpoints feeds arbitrary bodies, content types and credentials to
// every endpoint of a real (not serving) server: answers are JSON with a
// status the hygiene or the protocol gives, never a panic or a 500.
func FuzzEndpoints(f *testing.F) {
	svc := approve.New(approve.Config{})
	f.Cleanup(svc.Close)
	s := loopback.New(loopback.ClientsOf(svc))
	loopback.AddApprovals(s, svc)
	s.Unavailable = nil // reach the form decoding and authentication, not the locked-vault answer
	if err := s.Listen(0); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	host := strings.TrimPrefix(loopback.Issuer(s.Port()), "http://")
	paths := []string{loopback.PathDiscovery, loopback.PathJWKS, loopback.PathBackchan, loopback.PathToken, loopback.PathPair, loopback.PathPairPoll}
	f.Add(uint8(2), "application/x-www-form-urlencoded", "tc_x:secret", []byte("scope=openid&login_hint=a"))
	f.Add(uint8(4), "application/json", "", []byte(`{"client_name":"x"}`))
	f.Add(uint8(5), "application/json", "", []byte(`{"pairing_id":"x"}`))
	f.Add(uint8(3), "application/x-www-form-urlencoded", "", []byte("client_id=a&client_secret=b&grant_type=x"))
	f.Fuzz(func(t *testing.T, which uint8, ctype, basic string, body []byte) {
		path := paths[int(which)%len(paths)]
		method := "POST"
		if int(which)%len(paths) < 2 {
			method = "GET"
		}
		r := httptest.NewRequest(method, "http://"+host+path, strings.NewReader(string(body)))
		r.Host = host
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Sec-Tessera", "1")
		if basic != "" {
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic)))
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code >= 500 && w.Code != 503 {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		if len(w.Result().Header.Values("Access-Control-Allow-Origin")) > 0 {
			t.Fatal("a CORS header")
		}
	})
}

package webauthn_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
)

var b64 = base64.RawURLEncoding

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

// Package client is the Go side of Tessera's login approvals, for programs
// that ask the person at the desk: pair once, then send requests and wait
// for a decision whose ID token is verified (with
// github.com/coreos/go-oidc/v3) against the key pinned at pairing.
//
// A service integrates in a few lines:
//
//	c, err := client.Load("/etc/myservice/tessera.json") // from tessera approve pair
//	if err != nil { ... }
//	p, err := c.Start(ctx, client.Request{LoginHint: user, Message: "deploy web-3"})
//	if err != nil { ... }
//	fmt.Printf("Type %s into Tessera\n", p.MatchCode)
//	d, err := c.Wait(ctx, p) // nil error: approved, token verified
//	switch {
//	case errors.Is(err, client.ErrDenied): ...
//	case errors.Is(err, client.ErrExpired): ...
//	}
//
// Verification fails closed: any algorithm but the pinned one (so none and
// HS256 too), another key ID or key, another issuer or audience, an
// expired token or a bad signature is an error.
package client

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tessera-auth/tessera/app/approve"
)

// Errors of requests, to compare with errors.Is.
var (
	// ErrDenied: the person said no (access_denied).
	ErrDenied = errors.New("the request was denied")
	// ErrExpired: nobody decided in time (expired_token).
	ErrExpired = errors.New("the request expired before a decision")
	// ErrRefused: Tessera refused the client: not paired, revoked, muted,
	// or too many requests waiting.
	ErrRefused = errors.New("tessera refused the request")
	// ErrUnreachable: no Tessera answers at the issuer.
	ErrUnreachable = errors.New("tessera is not running or not reachable")
	// ErrBadToken: the ID token failed verification.
	ErrBadToken = errors.New("the ID token failed verification")
)

// Client is a paired client: the file `tessera approve pair --save`
// writes.
type Client struct {
	Issuer       string      `json:"issuer"`
	ClientID     string      `json:"client_id"`
	ClientSecret string      `json:"client_secret"`
	ClientName   string      `json:"client_name"`
	Alg          string      `json:"id_token_signed_response_alg"`
	Key          approve.JWK `json:"key"`

	// HTTP is the HTTP client; nil means one that ignores proxies (a
	// proxy must never see loopback traffic) with a 15 s timeout.
	HTTP *http.Client `json:"-"`
	// Now is the time source of token verification; nil means time.Now.
	Now func() time.Time `json:"-"`
}

var direct = &http.Client{
	Timeout:   15 * time.Second,
	Transport: &http.Transport{Proxy: nil, MaxIdleConns: 2, IdleConnTimeout: 30 * time.Second},
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return direct
}

// Load reads a client file.
func Load(path string) (*Client, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the client file: %w", err)
	}
	c := new(Client)
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("reading the client file %s: %v", path, err)
	}
	if c.Issuer == "" || c.ClientID == "" || c.ClientSecret == "" || c.Alg == "" || c.Key.Kid == "" {
		return nil, fmt.Errorf("the client file %s lacks issuer, client_id, client_secret, algorithm or key: pair again", path)
	}
	return c, nil
}

// Save writes the client file, readable by its owner only.
func (c *Client) Save(path string) error {
	b, _ := json.MarshalIndent(c, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tessera-client-*")
	if err != nil {
		return fmt.Errorf("saving the client file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(append(b, '\n'))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err == nil {
			return nil
		}
	} else {
		tmp.Close()
	}
	return fmt.Errorf("saving the client file: %w", err)
}

// PairOptions are the choices of a pairing.
type PairOptions struct {
	// Name is how Tessera names the client to the person.
	Name string
	// Alg is ES256 (the default) or EdDSA.
	Alg string
	// NoMatchCode says the program cannot show a match code to its user.
	NoMatchCode bool
	// ShowCode is called with the code the person must type into Tessera.
	ShowCode func(code string)
	// HTTP as in Client.
	HTTP *http.Client
}

// Pair asks the Tessera at issuer to pair, shows the code through
// opts.ShowCode, and waits until the person typed it (or refused, or the
// pairing expired: ErrDenied, ErrExpired).
func Pair(ctx context.Context, issuer string, opts PairOptions) (*Client, error) {
	c := &Client{Issuer: strings.TrimRight(issuer, "/"), HTTP: opts.HTTP}
	if err := c.checkIssuer(ctx); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(approve.PairRequest{Name: opts.Name, Alg: opts.Alg, NoMatchCode: opts.NoMatchCode})
	var start approve.PairStart
	if err := c.call(ctx, "/pair", "application/json", body, false, &start); err != nil {
		return nil, err
	}
	if opts.ShowCode != nil {
		opts.ShowCode(start.UserCode)
	}
	poll, _ := json.Marshal(map[string]string{"pairing_id": start.PairingID})
	interval := max(time.Duration(start.Interval)*time.Second, time.Second)
	for {
		if err := sleep(ctx, interval); err != nil {
			return nil, err
		}
		var reg approve.Registration
		err := c.call(ctx, "/pair/poll", "application/json", poll, false, &reg)
		var pe *approve.Error
		if errors.As(err, &pe) && pe.Code == "authorization_pending" {
			continue
		}
		if errors.As(err, &pe) && pe.Code == "slow_down" {
			interval += 5 * time.Second
			continue
		}
		if err != nil {
			return nil, err
		}
		if reg.Issuer != c.Issuer {
			return nil, fmt.Errorf("the server names itself %s, not %s: pair with that issuer (the client %s stays paired; revoke it)", reg.Issuer, c.Issuer, reg.ClientID)
		}
		if len(reg.JWKS.Keys) != 1 || reg.JWKS.Keys[0].Alg != reg.IDTokenAlg {
			return nil, fmt.Errorf("the pairing answer has %d keys for %s; want one", len(reg.JWKS.Keys), reg.IDTokenAlg)
		}
		if _, err := reg.JWKS.Keys[0].PublicKey(); err != nil {
			return nil, fmt.Errorf("the pairing answer's key: %w", err)
		}
		c.ClientID, c.ClientSecret, c.ClientName = reg.ClientID, reg.ClientSecret, reg.ClientName
		c.Alg, c.Key = reg.IDTokenAlg, reg.JWKS.Keys[0]
		return c, nil
	}
}

// checkIssuer reads the discovery document: the server must name itself
// exactly as the client will (ID tokens carry that issuer).
func (c *Client) checkIssuer(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.Issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return fmt.Errorf("bad issuer %q: %v", c.Issuer, err)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, c.Issuer, err)
	}
	defer resp.Body.Close()
	var d struct {
		Issuer string `json:"issuer"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&d) != nil {
		return fmt.Errorf("%w: no discovery document at %s (%s)", ErrUnreachable, c.Issuer, resp.Status)
	}
	if d.Issuer != c.Issuer {
		return fmt.Errorf("the server names itself %s: use that issuer, not %s", d.Issuer, c.Issuer)
	}
	return nil
}

// Request is what a program asks the person to approve.
type Request struct {
	// LoginHint is who signs in ("sign in as"); required.
	LoginHint string
	// Message is the binding message, at most 64 printable characters.
	Message string
	// Context is shown too: keys application, host, command, remote_addr.
	Context map[string]string
	// Expiry is how long the person has (10 s to 5 min; 0 means 2 min).
	Expiry time.Duration
}

// Pending is a request waiting for the person.
type Pending struct {
	AuthReqID string
	// MatchCode is the number the program shows its user, who types it
	// into Tessera.
	MatchCode string
	ExpiresIn time.Duration
	Interval  time.Duration
}

// Start sends a backchannel authentication request.
func (c *Client) Start(ctx context.Context, r Request) (*Pending, error) {
	form := url.Values{"scope": {"openid"}, "login_hint": {r.LoginHint}}
	if r.Message != "" {
		form.Set("binding_message", r.Message)
	}
	if r.Expiry > 0 {
		form.Set("requested_expiry", strconv.Itoa(int(r.Expiry/time.Second)))
	}
	for k, v := range r.Context {
		form.Set("context_"+k, v)
	}
	var ans approve.AuthAnswer
	if err := c.call(ctx, "/backchannel", "application/x-www-form-urlencoded", []byte(form.Encode()), true, &ans); err != nil {
		return nil, err
	}
	return &Pending{AuthReqID: ans.AuthReqID, MatchCode: ans.MatchCode,
		ExpiresIn: time.Duration(ans.ExpiresIn) * time.Second, Interval: time.Duration(ans.Interval) * time.Second}, nil
}

// Decision is an approval, its ID token verified.
type Decision struct {
	IDToken string
	Claims  approve.IDClaims
}

// Wait polls until the person decides: a nil error is an approval whose
// ID token verified; else ErrDenied, ErrExpired, or another error.
func (c *Client) Wait(ctx context.Context, p *Pending) (*Decision, error) {
	interval := max(p.Interval, time.Second)
	form := []byte(url.Values{"grant_type": {approve.GrantType}, "auth_req_id": {p.AuthReqID}}.Encode())
	for {
		if err := sleep(ctx, interval); err != nil {
			return nil, err
		}
		var tok approve.TokenAnswer
		err := c.call(ctx, "/token", "application/x-www-form-urlencoded", form, true, &tok)
		var pe *approve.Error
		if errors.As(err, &pe) {
			switch pe.Code {
			case "authorization_pending":
				continue
			case "slow_down":
				interval += 5 * time.Second
				continue
			case "access_denied":
				return nil, ErrDenied
			case "expired_token":
				return nil, ErrExpired
			}
		}
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(tok.TokenType, "Bearer") || tok.AccessToken == "" {
			return nil, fmt.Errorf("%w: token response without a Bearer access token", ErrBadToken)
		}
		claims, err := c.Verify(ctx, tok.IDToken)
		if err != nil {
			return nil, err
		}
		return &Decision{IDToken: tok.IDToken, Claims: *claims}, nil
	}
}

// Verify checks an ID token against the pinned key, algorithm, issuer and
// client ID, and its expiry, and returns its claims.
func (c *Client) Verify(ctx context.Context, raw string) (*approve.IDClaims, error) {
	head, _, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, fmt.Errorf("%w: not a JWT", ErrBadToken)
	}
	hb, err := base64.RawURLEncoding.DecodeString(head)
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err != nil || json.Unmarshal(hb, &h) != nil {
		return nil, fmt.Errorf("%w: malformed header", ErrBadToken)
	}
	if h.Alg != c.Alg || h.Kid != c.Key.Kid {
		return nil, fmt.Errorf("%w: signed with %s key %q, want the pinned %s key %q", ErrBadToken, h.Alg, h.Kid, c.Alg, c.Key.Kid)
	}
	pub, err := c.Key.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	v := oidc.NewVerifier(c.Issuer, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{pub}}, &oidc.Config{
		ClientID: c.ClientID, SupportedSigningAlgs: []string{c.Alg}, Now: c.Now,
	})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	var claims approve.IDClaims
	if err := idt.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadToken, err)
	}
	return &claims, nil
}

// call POSTs body to the issuer's path and decodes the JSON answer into
// out, or returns the protocol error (*approve.Error, ErrRefused).
func (c *Client) call(ctx context.Context, path, ctype string, body []byte, auth bool, out any) error {
	req, err := http.NewRequestWithContext(ctx, "POST", c.Issuer+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	if ctype == "application/json" {
		req.Header.Set("Sec-Tessera", "1")
	}
	if auth {
		req.SetBasicAuth(url.QueryEscape(c.ClientID), url.QueryEscape(c.ClientSecret))
	}
	resp, err := c.http().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w at %s: %v", ErrUnreachable, c.Issuer, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("%w: reading the answer: %v", ErrUnreachable, err)
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("the answer to %s is malformed: %v", path, err)
		}
		return nil
	}
	var e struct {
		Code string `json:"error"`
		Desc string `json:"error_description"`
	}
	json.Unmarshal(b, &e)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%w: %s (%s)", ErrRefused, e.Desc, e.Code)
	case e.Code != "":
		return &approve.Error{Code: e.Code, Description: e.Desc, Status: resp.StatusCode}
	}
	return fmt.Errorf("unexpected answer %s to %s", resp.Status, path)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Package webauthn runs the two WebAuthn ceremonies of Tessera's security
// keys in the person's browser: enrolling a key and unlocking with one. It
// is an [http.Handler] that Tessera's loopback server mounts (at /key/),
// and a small API: [Ceremonies.BeginEnrol] or [Ceremonies.BeginUnlock]
// give a page URL to open, and [Ceremony.Wait] the outcome.
//
// # The ceremonies
//
// The relying party ID is "localhost" and the origin is the loopback
// server's http://localhost:PORT, a secure context in every browser.
// Enrolling creates a credential with the PRF extension requested and
// requires the browser to report it enabled; then, on the same page, an
// assertion evaluates the PRF on a fresh random 32-byte salt, with user
// verification required. Unlocking is one assertion that allows every
// enrolled credential and asks each for its PRF output on its own salt
// (evalByCredential); the credential that answered picks the key slot.
// go-webauthn checks each answer (challenge, origin, RP ID hash, flags,
// signature); this package adds what it leaves to its callers: a PRF result
// present and 32 bytes long, a signature counter that went up, the
// credential enrolled, user verification done. The PRF output becomes the
// slot's age identity ([vault.SecurityKeyIdentity]) at once and is zeroed.
// The signature does not cover the PRF output, which the browser passes
// on, so an unlock also checks the identity against the recipient
// recorded at enrolment ([ErrWrongPRF]).
//
// # Sessions
//
// A ceremony's page URL carries a random one-time token in its fragment
// (never sent to a server, never in a Referer). The page removes it from
// the address bar and trades it for the ceremony's options and a token for
// its next step; every token is good once. A token used twice stops the
// ceremony ([ErrSessionUsed]): another page may be driving it. A ceremony
// lasts at most [Lifetime] from Begin, opened or not ([ErrExpired]). The
// page reports a failed or cancelled WebAuthn call, which ends the
// ceremony at once ([*PageError]).
//
// # Request hygiene
//
// The loopback server checks Host and limits for every request; this
// handler checks again what its own pages need: the Host is the origin's,
// POSTs carry exactly Tessera's Origin, a JSON content type (so no plain
// form from another site can reach it), a same-origin Sec-Fetch-Site when
// the browser sends one, and bodies of at most [MaxBodySize] bytes. Pages
// are served with a strict Content-Security-Policy: scripts from this
// origin only, no inline script, nothing from elsewhere.
package webauthn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/go-webauthn/webauthn/protocol"
	wa "github.com/go-webauthn/webauthn/webauthn"

	"github.com/tessera-auth/tessera/app/clock"
	"github.com/tessera-auth/tessera/vault"
)

// Lifetime is how long a ceremony may take from Begin to its last answer.
const Lifetime = 2 * time.Minute

// RPID is the WebAuthn relying party ID of every Tessera credential.
const RPID = "localhost"

// DefaultPrefix is where the loopback server mounts the handler.
const DefaultPrefix = "/key/"

// Config sets up [New].
type Config struct {
	// Origin is the loopback server's origin as the browser sees it:
	// http://localhost:PORT (required).
	Origin string
	// Prefix is the path the handler is mounted at, ending in "/";
	// empty means [DefaultPrefix]. The handler expects full request paths
	// (no http.StripPrefix).
	Prefix string
	// Clock times the ceremonies; nil means [clock.Real].
	Clock clock.Clock
}

// Ceremonies runs security-key ceremonies and serves their pages. Its
// methods are safe for concurrent use.
type Ceremonies struct {
	origin string
	host   string
	prefix string
	clock  clock.Clock
	rp     *wa.WebAuthn

	mu     sync.Mutex
	tokens map[[32]byte]*token
}

// token is one step of one ceremony, good once.
type token struct {
	c    *Ceremony
	step step
	used bool
}

type step int

const (
	stepStart  step = iota // the page URL's token: trade it for the options
	stepCreate             // answer to navigator.credentials.create
	stepGet                // answer to navigator.credentials.get
)

// New returns Ceremonies for the loopback server at cfg.Origin.
func New(cfg Config) (*Ceremonies, error) {
	u, err := url.Parse(cfg.Origin)
	if err != nil || u.Scheme != "http" || u.Hostname() != RPID || u.Port() == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("webauthn: origin %q is not http://localhost:PORT", cfg.Origin)
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("webauthn: prefix %q must start and end with /", prefix)
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real
	}
	rp, err := wa.New(&wa.Config{
		RPID:                  RPID,
		RPDisplayName:         "Tessera",
		RPOrigins:             []string{cfg.Origin},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementDiscouraged,
			UserVerification: protocol.VerificationRequired,
		},
		Timeouts: wa.TimeoutsConfig{
			Login:        wa.TimeoutConfig{Timeout: Lifetime, TimeoutUVD: Lifetime},
			Registration: wa.TimeoutConfig{Timeout: Lifetime, TimeoutUVD: Lifetime},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("webauthn: %w", err)
	}
	return &Ceremonies{
		origin: cfg.Origin,
		host:   u.Host,
		prefix: prefix,
		clock:  clk,
		rp:     rp,
		tokens: map[[32]byte]*token{},
	}, nil
}

// EnrolOptions describe the key to enrol.
type EnrolOptions struct {
	// UserID is the vault's WebAuthn user handle, 1 to 64 random bytes,
	// the same for every key of one vault and different between vaults
	// (a passkey provider keeps one credential per user handle).
	UserID []byte
	// UserName is what the browser and key show for the credential, such
	// as "Tessera vault (alice@laptop)".
	UserName string
	// Enrolled are the keys the vault already has: the browser refuses to
	// enrol one of them twice.
	Enrolled []vault.SecurityKey
}

// Result is what a successful ceremony gives.
type Result struct {
	// Key is the public record of the key: at enrolment the new key, at
	// unlock the key that answered, with its new signature counter (store
	// it, so that a clone is noticed).
	Key vault.SecurityKey
	// Identity opens (and at enrolment, through its recipient, seals) the
	// key's slot. It is secret.
	Identity *age.X25519Identity
}

// Ceremony is one enrolment or unlock in progress.
type Ceremony struct {
	cs      *Ceremonies
	enrol   bool
	url     string
	created time.Time
	timer   clock.Timer
	done    chan struct{}

	// Guarded by cs.mu.
	tokens  [][32]byte
	res     *Result
	err     error
	ended   bool
	user    *user
	keys    []vault.SecurityKey // unlock: the enrolled keys
	session *wa.SessionData
	newCred *wa.Credential // enrol: the credential created
	salt    []byte         // enrol: the PRF salt of the new key
}

// URL is the page to open in a browser. It holds the one-time token: show
// it to the person only, never log it.
func (c *Ceremony) URL() string { return c.url }

// Wait blocks until the ceremony ends, ctx ends (which cancels it) or
// the ceremony expires, and returns its result.
func (c *Ceremony) Wait(ctx context.Context) (*Result, error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		c.cs.end(c, nil, fmt.Errorf("%w: %w", ErrStopped, ctx.Err()))
		<-c.done
	}
	c.cs.mu.Lock()
	defer c.cs.mu.Unlock()
	return c.res, c.err
}

// Done is closed when the ceremony has ended; [Ceremony.Wait] then gives
// its outcome at once.
func (c *Ceremony) Done() <-chan struct{} { return c.done }

// Cancel ends the ceremony with [ErrStopped] unless it has already ended;
// the page is told so at its next request.
func (c *Ceremony) Cancel() { c.cs.end(c, nil, ErrStopped) }

// user is the WebAuthn user of a ceremony: the vault, with its keys.
type user struct {
	id    []byte
	name  string
	creds []wa.Credential
}

func (u *user) WebAuthnID() []byte                   { return u.id }
func (u *user) WebAuthnName() string                 { return u.name }
func (u *user) WebAuthnDisplayName() string          { return u.name }
func (u *user) WebAuthnCredentials() []wa.Credential { return u.creds }

// credential turns a stored key record into go-webauthn's form.
func credential(k vault.SecurityKey) wa.Credential {
	ts := make([]protocol.AuthenticatorTransport, len(k.Transports))
	for i, t := range k.Transports {
		ts[i] = protocol.AuthenticatorTransport(t)
	}
	return wa.Credential{
		ID:        k.CredentialID,
		PublicKey: k.PublicKey,
		Transport: ts,
		Flags:     wa.CredentialFlags{UserPresent: true, UserVerified: true, BackupEligible: k.BackupEligible},
		Authenticator: wa.Authenticator{
			AAGUID:    k.AAGUID,
			SignCount: k.SignCount,
		},
	}
}

func checkUserID(id []byte) error {
	if len(id) == 0 || len(id) > 64 {
		return fmt.Errorf("webauthn: the user handle is %d bytes, want 1 to 64", len(id))
	}
	return nil
}

// BeginEnrol starts enrolling a new security key.
func (cs *Ceremonies) BeginEnrol(o EnrolOptions) (*Ceremony, error) {
	if err := checkUserID(o.UserID); err != nil {
		return nil, err
	}
	name := o.UserName
	if name == "" {
		name = "Tessera vault"
	}
	u := &user{id: o.UserID, name: name}
	for _, k := range o.Enrolled {
		u.creds = append(u.creds, credential(k))
	}
	return cs.begin(&Ceremony{enrol: true, user: u})
}

// BeginUnlock starts unlocking with any of keys, the vault's enrolled
// security keys (at least one), userID being the vault's user handle as
// given to [Ceremonies.BeginEnrol].
func (cs *Ceremonies) BeginUnlock(userID []byte, keys []vault.SecurityKey) (*Ceremony, error) {
	if err := checkUserID(userID); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("webauthn: no security key is enrolled")
	}
	u := &user{id: userID, name: "Tessera vault"}
	for i, k := range keys {
		if len(k.PRFSalt) != vault.PRFSize {
			return nil, fmt.Errorf("webauthn: enrolled key %d has a %d-byte PRF salt, want %d", i+1, len(k.PRFSalt), vault.PRFSize)
		}
		u.creds = append(u.creds, credential(k))
	}
	return cs.begin(&Ceremony{user: u, keys: keys})
}

func (cs *Ceremonies) begin(c *Ceremony) (*Ceremony, error) {
	c.cs = cs
	c.done = make(chan struct{})
	tok := randomToken()
	c.url = cs.origin + cs.prefix + "#" + tok
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.prune()
	c.created = cs.clock.Now()
	cs.addToken(c, tok, stepStart)
	c.timer = cs.clock.AfterFunc(Lifetime, func() { cs.end(c, nil, ErrExpired) })
	return c, nil
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenKey is how a token is looked up: by its hash, so that the lookup's
// timing says nothing about the token.
func tokenKey(tok string) [32]byte { return sha256.Sum256([]byte(tok)) }

// addToken registers tok for c's next step. cs.mu must be held.
func (cs *Ceremonies) addToken(c *Ceremony, tok string, s step) {
	k := tokenKey(tok)
	cs.tokens[k] = &token{c: c, step: s}
	c.tokens = append(c.tokens, k)
}

// prune forgets the tokens of ceremonies that ended more than a Lifetime
// ago; until then a late request is told how its ceremony ended. cs.mu
// must be held.
func (cs *Ceremonies) prune() {
	now := cs.clock.Now()
	for k, t := range cs.tokens {
		if t.c.ended && now.Sub(t.c.created) > 2*Lifetime {
			delete(cs.tokens, k)
		}
	}
}

// end ends c with res or err, unless it has already ended.
func (cs *Ceremonies) end(c *Ceremony, res *Result, err error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.endLocked(c, res, err)
}

func (cs *Ceremonies) endLocked(c *Ceremony, res *Result, err error) {
	if c.ended {
		return
	}
	c.ended = true
	c.res, c.err = res, err
	if c.timer != nil {
		c.timer.Stop()
	}
	for _, k := range c.tokens {
		cs.tokens[k].used = true
	}
	c.session = nil
	close(c.done)
}

// Package approve is Tessera's side of login approvals: an OpenID CIBA
// provider (Client-Initiated Backchannel Authentication, poll mode) whose
// authentication device is the person at the desk.
//
// # Parts
//
// A [Service] holds the paired clients, the pending requests, the pairing
// in progress and the signing keys. It knows nothing of HTTP: the loopback
// server (app/loopback) decodes requests and calls [Service.Authorize],
// [Service.Token], [Service.StartPairing] and the like, and writes what they
// return. The person's side (the GUI) receives a [Prompt] through an
// [Asker] and answers with [Service.Approve] or [Service.Deny].
//
// # State
//
// Signing keys, paired clients (with hashed secrets only) and the audit log
// live in the vault as sealed files (see vault.Vault.WriteSealed), so they
// are as safe as the secrets next to them and need an unlocked vault to
// change. Pending requests live in memory only.
package approve

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/tessera-auth/tessera/app/clock"
)

// GrantType is the OAuth grant type of the CIBA token request.
const GrantType = "urn:openid:params:grant-type:ciba"

// Store is where the service keeps its sealed state: an unlocked
// *vault.Vault. ReadSealed and WriteSealed fail with vault.ErrLocked while
// it is locked.
type Store interface {
	ReadSealed(name string) ([]byte, error)
	WriteSealed(name string, plain []byte) error
	Locked() bool
}

// Names of the sealed files.
const (
	keysFile    = "approve-keys"
	clientsFile = "approve-clients"
	logFile     = "approve-log"
)

// Defaults and bounds of the protocol. Config fields override some of them
// for tests.
const (
	DefaultInterval    = 5 * time.Second
	DefaultExpiry      = 120 * time.Second
	MinExpiry          = 10 * time.Second
	MaxExpiry          = 300 * time.Second
	PairingExpiry      = 2 * time.Minute
	MaxPairingTries    = 5
	MaxMatchTries      = 3
	MaxPendingClient   = 3
	MaxPendingTotal    = 10
	MuteFor            = 20 * time.Minute
	MuteAfterDenials   = 3
	MuteDenialWindow   = 10 * time.Minute
	IDTokenLifetime    = 5 * time.Minute
	AccessTokenSeconds = 60
	// keepExpired is how long an expired request still answers
	// expired_token (then invalid_grant, as an unknown one).
	keepExpired = 10 * time.Minute
)

// Config sets up a [Service]. The zero value of each field but Store
// means the documented default.
type Config struct {
	// Store returns the vault the state lives in, or nil while there is
	// none. It is called for every operation, so a GUI can swap vaults.
	Store func() Store
	// Asker shows prompts to the person; nil refuses every request that
	// needs one (no one is there to ask).
	Asker Asker
	// Clock is the time source; nil means the system clock.
	Clock clock.Clock
	// Interval is the poll interval given to clients (DefaultInterval).
	Interval time.Duration
	// MinExpiry lowers the floor of requested_expiry, for tests only
	// (MinExpiry).
	MinExpiry time.Duration
}

// Service is the approval provider. Its methods are safe for concurrent
// use.
type Service struct {
	cfg    Config
	clock  clock.Clock
	issuer string

	mu          sync.Mutex
	clients     map[string]*Client // cache of the clients file
	clientsRead time.Time          // when it was read
	requests    map[[32]byte]*request
	prompts     map[string]*prompt // open prompts by Prompt.ID
	pairing     *pairing
	denials     map[string][]time.Time
	muted       map[string]time.Time
	pubKeys     []publicKey // cache of the public keys, for jwks while locked

	logMu      sync.Mutex
	logPending []Record // records not yet written
	logKick    chan struct{}
	flushDone  chan struct{}
	closed     bool
	keysMu     sync.Mutex
}

// New returns a service with the given configuration. Call SetIssuer once
// the server knows its address, and Close when done.
func New(cfg Config) *Service {
	s := &Service{
		cfg:      cfg,
		clock:    cfg.Clock,
		requests: make(map[[32]byte]*request),
		prompts:  make(map[string]*prompt),
		denials:  make(map[string][]time.Time),
		muted:    make(map[string]time.Time),
		logKick:  make(chan struct{}, 1),
	}
	s.flushDone = make(chan struct{})
	go s.flushLoop()
	if s.clock == nil {
		s.clock = clock.Real
	}
	if s.cfg.Interval <= 0 {
		s.cfg.Interval = DefaultInterval
	}
	if s.cfg.MinExpiry <= 0 {
		s.cfg.MinExpiry = MinExpiry
	}
	if s.cfg.Store == nil {
		s.cfg.Store = func() Store { return nil }
	}
	return s
}

// SetIssuer sets the issuer URL (http://127.0.0.1:PORT) written into
// tokens and pairing answers.
func (s *Service) SetIssuer(iss string) {
	s.mu.Lock()
	s.issuer = iss
	s.mu.Unlock()
}

// Issuer returns the issuer URL.
func (s *Service) Issuer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuer
}

// Error is a protocol error: an OAuth/CIBA error code, a description safe
// to send to the client, and the HTTP status the specifications give it.
type Error struct {
	Code        string
	Description string
	Status      int
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func protoErr(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Description: fmt.Sprintf(format, args...), Status: status}
}

// Errors a caller compares against with errors.Is.
var (
	// ErrPending: the token endpoint's authorization_pending.
	ErrPending = &Error{Code: "authorization_pending", Description: "the person has not decided yet", Status: 400}
	// ErrSlowDown: polling faster than the interval.
	ErrSlowDown = &Error{Code: "slow_down", Description: "polling faster than the interval; wait 5 s more between polls", Status: 400}
	// ErrExpired: the request expired before a decision.
	ErrExpired = &Error{Code: "expired_token", Description: "the request expired", Status: 400}
	// ErrDenied: the person denied the request.
	ErrDenied = &Error{Code: "access_denied", Description: "the request was denied", Status: 400}
	// ErrInvalidGrant: unknown auth_req_id, another client's, or already
	// delivered.
	ErrInvalidGrant = &Error{Code: "invalid_grant", Description: "unknown auth_req_id", Status: 400}
	// ErrInvalidClient: client authentication failed.
	ErrInvalidClient = &Error{Code: "invalid_client", Description: "client authentication failed", Status: 401}
	// ErrWrongCode: the code typed into a prompt does not match.
	ErrWrongCode = fmt.Errorf("the code does not match")
	// ErrNoPrompt: the prompt is gone (decided, expired or withdrawn).
	ErrNoPrompt = fmt.Errorf("the prompt is no longer open")
	// ErrLockedVault: the decision needs the vault unlocked first.
	ErrLockedVault = fmt.Errorf("unlock the vault first")
)

// Is makes errors.Is match protocol errors by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// randomID returns n random bytes, base64url without padding.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(id string) [32]byte { return sha256.Sum256([]byte(id)) }

package webauthn

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	wa "github.com/go-webauthn/webauthn/webauthn"

	"github.com/tessera-auth/tessera/vault"
)

// The steps below run with cs.mu held, on a token just marked used. A
// returned *httpError ends the ceremony.

// start answers the page URL's token with the first WebAuthn call's
// options.
func (cs *Ceremonies) start(c *Ceremony) (any, *httpError) {
	if c.enrol {
		exclude := make([]protocol.CredentialDescriptor, len(c.user.creds))
		for i, cr := range c.user.creds {
			exclude[i] = cr.Descriptor()
		}
		creation, session, err := cs.rp.BeginRegistration(c.user,
			wa.WithExclusions(exclude),
			wa.WithExtensions(wa.WithExtensionPRFSupport()))
		if err != nil {
			return nil, internal("starting the enrolment", err)
		}
		c.session = session
		return &stepReply{Kind: "enrol", Token: cs.nextToken(c, stepCreate), Create: creation.Response}, nil
	}

	byCred := make(map[string]protocol.PRFValues, len(c.keys))
	for _, k := range c.keys {
		byCred[base64.RawURLEncoding.EncodeToString(k.CredentialID)] = protocol.PRFValues{First: k.PRFSalt}
	}
	assertion, session, err := cs.rp.BeginLogin(c.user,
		wa.WithUserVerification(protocol.VerificationRequired),
		wa.WithAssertionExtensions(wa.WithExtensionPRFByCredential(byCred, nil)))
	if err != nil {
		return nil, internal("starting the unlock", err)
	}
	c.session = session
	return &stepReply{Kind: "unlock", Token: cs.nextToken(c, stepGet), Get: assertion.Response}, nil
}

// finishCreate checks the new credential and answers with the options of
// the assertion that evaluates its PRF for the first time.
func (cs *Ceremonies) finishCreate(c *Ceremony, raw []byte) (any, *httpError) {
	parsed, err := protocol.ParseCredentialCreationResponseBytes(raw)
	if err != nil {
		return nil, unreadable(err)
	}
	if o := parsed.Response.CollectedClientData.Origin; o != cs.origin {
		return nil, &httpError{http.StatusForbidden, fmt.Errorf("%w (signed for origin %q)", ErrOrigin, clip(o, 100))}
	}
	if !parsed.Response.AttestationObject.AuthData.Flags.HasUserVerified() {
		return nil, &httpError{http.StatusUnprocessableEntity, ErrUserVerification}
	}
	if p := parsed.ClientExtensionResults.PRF; p == nil || p.Enabled == nil || !*p.Enabled {
		return nil, &httpError{http.StatusUnprocessableEntity, ErrPRFNotEnabled}
	}
	cred, err := cs.rp.CreateCredential(c.user, *c.session, parsed)
	if err != nil {
		return nil, invalid(err)
	}
	for _, old := range c.user.creds {
		if bytes.Equal(old.ID, cred.ID) {
			return nil, &httpError{http.StatusConflict, errors.New("this security key is already enrolled in this vault")}
		}
	}

	salt := make([]byte, vault.PRFSize)
	rand.Read(salt) // never fails since Go 1.24
	c.newCred, c.salt = cred, salt
	c.user = &user{id: c.user.id, name: c.user.name, creds: []wa.Credential{*cred}}
	assertion, session, err := cs.rp.BeginLogin(c.user,
		wa.WithUserVerification(protocol.VerificationRequired),
		wa.WithAssertionExtensions(wa.WithExtensionPRF(protocol.PRFValues{First: salt})))
	if err != nil {
		return nil, internal("starting the first unlock", err)
	}
	c.session = session
	return &stepReply{Token: cs.nextToken(c, stepGet), Get: assertion.Response}, nil
}

// finishGet checks an assertion, derives the slot identity from its PRF
// output and ends the ceremony with it.
func (cs *Ceremonies) finishGet(c *Ceremony, raw []byte) (any, *httpError) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(raw)
	if err != nil {
		return nil, unreadable(err)
	}
	if o := parsed.Response.CollectedClientData.Origin; o != cs.origin {
		return nil, &httpError{http.StatusForbidden, fmt.Errorf("%w (signed for origin %q)", ErrOrigin, clip(o, 100))}
	}
	enrolled := false
	for _, cr := range c.user.creds {
		enrolled = enrolled || bytes.Equal(cr.ID, parsed.RawID)
	}
	if !enrolled {
		return nil, &httpError{http.StatusForbidden, ErrNotEnrolled}
	}
	if !parsed.Response.AuthenticatorData.Flags.HasUserVerified() {
		return nil, &httpError{http.StatusUnprocessableEntity, ErrUserVerification}
	}
	cred, err := cs.rp.ValidateLogin(c.user, *c.session, parsed)
	if err != nil {
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Type == protocol.ErrAssertionSignature.Type {
			return nil, &httpError{http.StatusForbidden, ErrSignature}
		}
		return nil, invalid(err)
	}
	if cred.Authenticator.CloneWarning {
		return nil, &httpError{http.StatusForbidden, ErrCloned}
	}

	var prf []byte
	if p := parsed.ClientExtensionResults.PRF; p != nil && p.Results != nil {
		prf = p.Results.First
	}
	defer clear(prf)
	if len(prf) == 0 {
		return nil, &httpError{http.StatusUnprocessableEntity, ErrNoPRF}
	}
	if len(prf) != vault.PRFSize {
		return nil, &httpError{http.StatusUnprocessableEntity, fmt.Errorf("%w: it is %d bytes", ErrPRFSize, len(prf))}
	}
	id, err := vault.SecurityKeyIdentity(prf, cred.ID)
	if err != nil {
		return nil, internal("deriving the slot key", err)
	}

	var key vault.SecurityKey
	msg := "Tessera is unlocked."
	if c.enrol {
		nc := c.newCred
		key = vault.SecurityKey{
			CredentialID:   bytes.Clone(nc.ID),
			PublicKey:      bytes.Clone(nc.PublicKey),
			PRFSalt:        c.salt,
			BackupEligible: nc.Flags.BackupEligible,
			AAGUID:         bytes.Clone(nc.Authenticator.AAGUID),
			Recipient:      id.Recipient().String(),
		}
		for _, t := range nc.Transport {
			key.Transports = append(key.Transports, string(t))
		}
		msg = "Your security key is enrolled."
	} else {
		for _, k := range c.keys {
			if bytes.Equal(k.CredentialID, cred.ID) {
				key = k
			}
		}
		if key.Recipient != "" && key.Recipient != id.Recipient().String() {
			return nil, &httpError{http.StatusForbidden, ErrWrongPRF}
		}
	}
	key.SignCount = cred.Authenticator.SignCount
	cs.endLocked(c, &Result{Key: key, Identity: id}, nil)
	return &doneReply{Done: true, Message: msg}, nil
}

// nextToken registers and returns a fresh token for c's next step.
func (cs *Ceremonies) nextToken(c *Ceremony, s step) string {
	tok := randomToken()
	cs.addToken(c, tok, s)
	return tok
}

func unreadable(err error) *httpError {
	return &httpError{http.StatusBadRequest, fmt.Errorf("the browser's answer could not be read: %s", detail(err))}
}

func invalid(err error) *httpError {
	return &httpError{http.StatusForbidden, fmt.Errorf("the security key's answer is not valid: %s", detail(err))}
}

func internal(what string, err error) *httpError {
	return &httpError{http.StatusInternalServerError, fmt.Errorf("%s: %w", what, err)}
}

// detail is go-webauthn's message with its developer detail, which says
// which check failed; neither holds secrets.
func detail(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.DevInfo != "" {
		return clip(pe.Details+" ("+pe.DevInfo+")", 300)
	}
	return clip(err.Error(), 300)
}

package webauthn

import (
	"errors"
	"fmt"
)

// The ways a ceremony fails. Each is returned (possibly wrapped) by
// [Ceremony.Wait] and told to the page; none of them carries a secret.
var (
	// ErrNoPRF: the key's answer held no PRF result, so it cannot unlock a
	// vault (the key lacks the PRF/hmac-secret feature, or the browser
	// dropped it).
	ErrNoPRF = errors.New("the security key gave no PRF result: it cannot unlock a vault (Tessera needs a key with the PRF, also called hmac-secret, feature)")

	// ErrPRFNotEnabled: at enrolment the browser did not report the PRF
	// extension as enabled for the new credential.
	ErrPRFNotEnabled = errors.New("the security key or browser does not support the PRF extension: this key cannot unlock a vault (Tessera needs a key with the PRF, also called hmac-secret, feature)")

	// ErrPRFSize: the PRF result was not 32 bytes.
	ErrPRFSize = errors.New("the security key's PRF result is not 32 bytes")

	// ErrWrongPRF: the PRF output gives another identity than the one the
	// key's slot was sealed to. The signature covers the key's answer but
	// not the PRF output, which the browser passes on: a browser that
	// altered it, or a record whose salt was altered, ends here.
	ErrWrongPRF = errors.New("the security key's PRF result does not match its slot: the browser or the vault's record of the key was tampered with")

	// ErrCloned: the key's signature counter did not go up since the last
	// time Tessera saw it, a sign that the key may have been cloned.
	ErrCloned = errors.New("the security key's signature counter went backwards: the key may have been cloned; unlock with another key or the recovery code, and remove this key")

	// ErrSessionUsed: a one-time link or step of the ceremony was used a
	// second time, so another page may be driving it.
	ErrSessionUsed = errors.New("this security-key page was opened or answered twice; for safety the ceremony was stopped: start again from Tessera")

	// ErrExpired: the ceremony was not finished within [Lifetime].
	ErrExpired = errors.New("the security-key ceremony was not finished within 2 minutes: start again from Tessera")

	// ErrOrigin: the request or the signed client data came from another
	// web origin than Tessera's own page.
	ErrOrigin = errors.New("the answer came from another web page than Tessera's own")

	// ErrSignature: the assertion's signature does not verify with the
	// enrolled key's public key.
	ErrSignature = errors.New("the security key's signature does not verify: the answer is not from the enrolled key")

	// ErrUserVerification: the key did not verify the person (PIN or
	// biometrics), which Tessera requires.
	ErrUserVerification = errors.New("the security key did not verify you (PIN or fingerprint): Tessera requires it; set a PIN on the key and try again")

	// ErrNotEnrolled: the key that answered is not one enrolled in this
	// vault.
	ErrNotEnrolled = errors.New("this security key is not enrolled in this vault")

	// ErrPageReported is wrapped by [*PageError]: the page told Tessera
	// the ceremony failed or was cancelled.
	ErrPageReported = errors.New("the browser reported a failure")

	// ErrStopped: Tessera stopped waiting ([Ceremony.Cancel] or the context
	// given to [Ceremony.Wait] ended).
	ErrStopped = errors.New("stopped waiting for the security key: the ceremony was cancelled in Tessera")
)

// PageError is what the page reported when the browser's WebAuthn call
// failed or the person cancelled. Name is the browser's DOMException name
// (NotAllowedError for a cancel or time-out, InvalidStateError for a key
// already enrolled, AbortError for the page's Cancel button).
type PageError struct {
	Name    string
	Message string
}

func (e *PageError) Error() string {
	what := "failed"
	switch e.Name {
	case "AbortError":
		what = "was cancelled on the page"
	case "NotAllowedError":
		what = "was cancelled or timed out"
	case "InvalidStateError":
		what = "failed: this security key is already enrolled"
	}
	if e.Message == "" {
		return fmt.Sprintf("the security-key ceremony %s (%s)", what, e.Name)
	}
	return fmt.Sprintf("the security-key ceremony %s (%s: %s)", what, e.Name, e.Message)
}

func (e *PageError) Unwrap() error { return ErrPageReported }

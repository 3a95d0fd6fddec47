package vault

import (
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"
)

// PRFSize is the length in bytes of a WebAuthn PRF output, and of the
// random salt Tessera asks a security key to evaluate its PRF on.
const PRFSize = 32

// MaxCredentialIDSize is the longest credential ID WebAuthn allows (Level
// 3, §6.1: credential IDs are at most 1023 bytes).
const MaxCredentialIDSize = 1023

// securityKeyInfo is the HKDF info string of the security-key derivation.
// It names its version: a different derivation gets a new string (and a
// new slot kind), never a change to this one, or enrolled keys would stop
// opening their slots.
const securityKeyInfo = "tessera.security-key.v1 age-x25519"

// SecurityKey is the public record of an enrolled security key, a WebAuthn
// credential with the PRF extension: what a ceremony needs to ask the key
// for its PRF output and to check the key's answer. Nothing in it is
// secret; the secret is the PRF output, which only the key can produce
// from PRFSalt and which never leaves memory.
type SecurityKey struct {
	// CredentialID is the WebAuthn credential ID, which also salts the
	// key derivation ([SecurityKeyIdentity]).
	CredentialID []byte
	// PublicKey is the credential's public key (a COSE_Key), which checks
	// the signature of each assertion.
	PublicKey []byte
	// PRFSalt is the PRFSize random bytes the key evaluates its PRF on.
	PRFSalt []byte
	// SignCount is the authenticator's signature counter as last seen; a
	// later assertion must carry a higher one, unless the key keeps no
	// counter (always 0).
	SignCount uint32
	// BackupEligible records whether the credential may be synced to other
	// devices (a passkey); WebAuthn requires it never to change.
	BackupEligible bool
	// AAGUID names the authenticator model (all zero when not told).
	AAGUID []byte
	// Transports are the ways the browser reported it can reach the key
	// ("usb", "nfc", "ble", "internal", "hybrid"), hints for the next
	// ceremony.
	Transports []string
	// Recipient is the age recipient of the key's slot identity
	// (age1...), public: it lets the vault seal the slot again (a new
	// master key) without the key at hand, and an unlock check the PRF
	// output the browser passed on before trying the slot.
	Recipient string
}

// SecurityKeyIdentity derives the age X25519 identity of a security-key
// slot: HKDF-SHA256 over the key's PRF output, with the credential ID as
// salt and a versioned info string, gives the 32-byte X25519 scalar.
//
// The slot file is encrypted to the identity's recipient, so the stock age
// CLI opens it with the identity (AGE-SECRET-KEY-1...) written to a file.
// The identity is as secret as the vault's master key: never log or store
// it. The caller should zero prf once the identity is derived.
func SecurityKeyIdentity(prf, credentialID []byte) (*age.X25519Identity, error) {
	if len(prf) != PRFSize {
		return nil, fmt.Errorf("security key: the PRF output is %d bytes, want %d", len(prf), PRFSize)
	}
	if len(credentialID) == 0 || len(credentialID) > MaxCredentialIDSize {
		return nil, fmt.Errorf("security key: the credential ID is %d bytes, want 1 to %d", len(credentialID), MaxCredentialIDSize)
	}
	scalar, err := hkdf.Key(sha256.New, prf, credentialID, securityKeyInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("security key: deriving the slot key: %w", err)
	}
	defer clear(scalar)
	id, err := age.ParseX25519Identity(strings.ToUpper(bech32Encode("age-secret-key-", scalar)))
	if err != nil {
		// Unreachable for 32 bytes; the message must not quote the key.
		return nil, errors.New("security key: the derived key does not parse as an age identity")
	}
	return id, nil
}

// bech32Charset maps 5-bit groups to bech32 characters (BIP 173).
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Encode encodes data under the lower-case human-readable part hrp
// as BIP 173 bech32 (the checksum age's keys use, not bech32m). It is the
// one step between a derived scalar and an age identity: age exports no
// constructor from raw bytes.
func bech32Encode(hrp string, data []byte) string {
	// Regroup the bytes into 5-bit values, padding the last one with zeros.
	var groups []byte
	acc, bits := 0, 0
	for _, b := range data {
		acc = acc<<8 | int(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			groups = append(groups, byte(acc>>bits)&31)
		}
		acc &= 1<<bits - 1
	}
	if bits > 0 {
		groups = append(groups, byte(acc<<(5-bits))&31)
	}

	values := make([]byte, 0, 2*len(hrp)+1+len(groups)+6)
	for i := 0; i < len(hrp); i++ {
		values = append(values, hrp[i]>>5)
	}
	values = append(values, 0)
	for i := 0; i < len(hrp); i++ {
		values = append(values, hrp[i]&31)
	}
	values = append(values, groups...)
	mod := bech32Polymod(append(values, 0, 0, 0, 0, 0, 0)) ^ 1

	var sb strings.Builder
	sb.WriteString(hrp)
	sb.WriteByte('1')
	for _, g := range groups {
		sb.WriteByte(bech32Charset[g])
	}
	for i := range 6 {
		sb.WriteByte(bech32Charset[(mod>>(5*(5-i)))&31])
	}
	clear(groups)
	clear(values)
	return sb.String()
}

// bech32Polymod is BIP 173's checksum function.
func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

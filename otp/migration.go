package otp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// MigrationBatch is one Google Authenticator export payload: a QR code of
// the "Transfer accounts" screen. Large exports are split over several
// batches that share a BatchID.
type MigrationBatch struct {
	Credentials []Credential
	Version     int // payload format version, 1 today
	BatchSize   int // number of QR codes in the export
	BatchIndex  int // position of this one, from 0
	BatchID     int // shared by all batches of one export
}

// Field numbers and enum values of Google Authenticator's MigrationPayload
// protobuf message.
const (
	fPayloadParams     = 1
	fPayloadVersion    = 2
	fPayloadBatchSize  = 3
	fPayloadBatchIndex = 4
	fPayloadBatchID    = 5

	fParamSecret    = 1
	fParamName      = 2
	fParamIssuer    = 3
	fParamAlgorithm = 4
	fParamDigits    = 5
	fParamType      = 6
	fParamCounter   = 7

	migAlgUnspecified = 0
	migAlgSHA1        = 1
	migAlgSHA256      = 2
	migAlgSHA512      = 3
	migAlgMD5         = 4

	migDigitsUnspecified = 0
	migDigitsSix         = 1
	migDigitsEight       = 2

	migTypeUnspecified = 0
	migTypeHOTP        = 1
	migTypeTOTP        = 2
)

// MigrationError is a rejection of an otpauth-migration payload. Entry is
// the 1-based position of the account at fault, or 0 for the payload itself.
type MigrationError struct {
	Entry int
	Msg   string
}

func (e *MigrationError) Error() string {
	if e.Entry > 0 {
		return fmt.Sprintf("otpauth-migration: account %d: %s", e.Entry, e.Msg)
	}
	return "otpauth-migration: " + e.Msg
}

func migErr(entry int, format string, args ...any) error {
	return &MigrationError{Entry: entry, Msg: fmt.Sprintf(format, args...)}
}

// ParseMigration reads an otpauth-migration://offline?data=... URI, as
// Google Authenticator's export QR codes hold it. Every account in the batch
// is returned, or an error naming the first account the payload format
// cannot carry into a working credential (MD5, an unknown algorithm or
// digit count, an empty secret).
//
// The payload has no period field: its TOTP accounts always use 30 seconds.
func ParseMigration(s string) (MigrationBatch, error) {
	if len(s) > MaxURILength {
		return MigrationBatch{}, migErr(0, "uri is %d bytes long, more than %d", len(s), MaxURILength)
	}
	s = strings.TrimSpace(s)
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !strings.EqualFold(scheme, "otpauth-migration") {
		return MigrationBatch{}, migErr(0, "scheme %s", schemeMismatch(scheme, ok, "otpauth-migration://"))
	}
	host, rawQuery, _ := strings.Cut(rest, "?")
	if !strings.EqualFold(host, "offline") {
		return MigrationBatch{}, migErr(0, "host %q is not offline", clip(host))
	}
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return MigrationBatch{}, migErr(0, "query is not valid: %v", err)
	}
	data := params["data"]
	if len(data) != 1 || data[0] == "" {
		return MigrationBatch{}, migErr(0, "data parameter missing")
	}
	// An unescaped '+' turns into a space when the query is decoded.
	raw := strings.ReplaceAll(data[0], " ", "+")
	payload, err := decodeBase64(raw)
	if err != nil {
		return MigrationBatch{}, migErr(0, "data is not valid base64")
	}
	return decodeMigrationPayload(payload)
}

// decodeBase64 accepts standard or URL-safe base64, padded or not.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func decodeMigrationPayload(b []byte) (MigrationBatch, error) {
	batch := MigrationBatch{Version: 1, BatchSize: 1}
	entry := 0
	err := walkFields(b, func(num protowire.Number, typ protowire.Type, v uint64, bytes []byte) error {
		switch {
		case num == fPayloadParams && typ == protowire.BytesType:
			entry++
			c, err := decodeMigrationParams(bytes, entry)
			if err != nil {
				return err
			}
			batch.Credentials = append(batch.Credentials, c)
		case num == fPayloadVersion && typ == protowire.VarintType:
			batch.Version = int(int32(v))
		case num == fPayloadBatchSize && typ == protowire.VarintType:
			batch.BatchSize = int(int32(v))
		case num == fPayloadBatchIndex && typ == protowire.VarintType:
			batch.BatchIndex = int(int32(v))
		case num == fPayloadBatchID && typ == protowire.VarintType:
			batch.BatchID = int(int32(v))
		case num >= fPayloadParams && num <= fPayloadBatchID:
			return migErr(0, "payload field %d has the wrong wire type", num)
		}
		return nil
	})
	if err != nil {
		var me *MigrationError
		if errors.As(err, &me) {
			return MigrationBatch{}, err
		}
		return MigrationBatch{}, migErr(0, "payload is not a valid protobuf message: %v", err)
	}
	if len(batch.Credentials) == 0 {
		return MigrationBatch{}, migErr(0, "payload holds no accounts")
	}
	if batch.BatchSize < 1 || batch.BatchIndex < 0 || batch.BatchIndex >= batch.BatchSize {
		return MigrationBatch{}, migErr(0, "batch index %d out of range for batch size %d", batch.BatchIndex, batch.BatchSize)
	}
	return batch, nil
}

func decodeMigrationParams(b []byte, entry int) (Credential, error) {
	c := Credential{Kind: TOTP, Algorithm: SHA1, Digits: DefaultDigits, Period: DefaultPeriod}
	var name string
	err := walkFields(b, func(num protowire.Number, typ protowire.Type, v uint64, bytes []byte) error {
		switch {
		case num == fParamSecret && typ == protowire.BytesType:
			c.Secret = append([]byte(nil), bytes...)
		case num == fParamName && typ == protowire.BytesType:
			name = string(bytes)
		case num == fParamIssuer && typ == protowire.BytesType:
			c.Issuer = string(bytes)
		case num == fParamAlgorithm && typ == protowire.VarintType:
			switch v {
			case migAlgUnspecified, migAlgSHA1:
				c.Algorithm = SHA1
			case migAlgSHA256:
				c.Algorithm = SHA256
			case migAlgSHA512:
				c.Algorithm = SHA512
			case migAlgMD5:
				return migErr(entry, "algorithm MD5 is not supported (want SHA1, SHA256 or SHA512)")
			default:
				return migErr(entry, "algorithm %d unknown", v)
			}
		case num == fParamDigits && typ == protowire.VarintType:
			switch v {
			case migDigitsUnspecified, migDigitsSix:
				c.Digits = 6
			case migDigitsEight:
				c.Digits = 8
			default:
				return migErr(entry, "digit count %d unknown (want 6 or 8)", v)
			}
		case num == fParamType && typ == protowire.VarintType:
			switch v {
			case migTypeUnspecified, migTypeTOTP:
				c.Kind = TOTP
			case migTypeHOTP:
				c.Kind = HOTP
			default:
				return migErr(entry, "type %d unknown (want HOTP or TOTP)", v)
			}
		case num == fParamCounter && typ == protowire.VarintType:
			c.Counter = v
		case num >= fParamSecret && num <= fParamCounter:
			return migErr(entry, "field %d has the wrong wire type", num)
		}
		return nil
	})
	if err != nil {
		var me *MigrationError
		if errors.As(err, &me) {
			return Credential{}, err
		}
		return Credential{}, migErr(entry, "not a valid protobuf message: %v", err)
	}
	if len(c.Secret) == 0 {
		return Credential{}, migErr(entry, "secret is empty")
	}
	if c.Kind == HOTP {
		c.Period = 0
	} else {
		c.Counter = 0
	}
	if err := checkText("issuer", c.Issuer); err != nil {
		return Credential{}, migErr(entry, "issuer is not printable text")
	}
	if err := checkText("name", name); err != nil {
		return Credential{}, migErr(entry, "name is not printable text")
	}
	// Google Authenticator writes the label, "Issuer:account" or "account".
	if c.Issuer != "" && strings.HasPrefix(name, c.Issuer+":") {
		name = name[len(c.Issuer)+1:]
	} else if c.Issuer == "" {
		if p, a, ok := strings.Cut(name, ":"); ok {
			c.Issuer, name = p, a
		}
	}
	c.Issuer = strings.TrimSpace(c.Issuer)
	c.Account = strings.TrimSpace(name)
	return c, nil
}

// walkFields calls fn for every field of a protobuf message; for varints v
// holds the value, for length-delimited fields bytes holds the content.
// Fixed-width and group fields are skipped.
func walkFields(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, bytes []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v uint64
		var bytes []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			bytes, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if typ == protowire.VarintType || typ == protowire.BytesType {
			if err := fn(num, typ, v, bytes); err != nil {
				return err
			}
		}
	}
	return nil
}

// MaxMigrationData is the largest base64 payload [FormatMigration] puts in
// one QR code. With the URI around it, that is a version 20 to 22 code at
// error correction level M: still easy to scan off a screen with a phone.
const MaxMigrationData = 700

// FormatMigration writes creds as Google Authenticator export URIs, as many
// as needed to keep each under [MaxMigrationData] bytes of data, all sharing
// batchID. It refuses a credential the format cannot carry: a period other
// than 30 seconds, digits other than 6 or 8, or a Steam credential; the error
// names it by position and label.
func FormatMigration(creds []Credential, batchID int) ([]string, error) {
	if len(creds) == 0 {
		return nil, migErr(0, "no accounts to export")
	}
	encoded := make([][]byte, len(creds))
	for i := range creds {
		b, err := encodeMigrationParams(&creds[i])
		if err != nil {
			return nil, migErr(i+1, "%s: %v", creds[i].Label(), err)
		}
		encoded[i] = b
	}
	// Group accounts greedily in their order, so each batch's payload stays
	// under the limit once base64-encoded (4 characters per 3 bytes).
	const overhead = 4 * 11 // version, size, index, id fields
	maxRaw := MaxMigrationData*3/4 - overhead
	var groups [][][]byte
	size := 0
	for _, e := range encoded {
		n := protowire.SizeTag(fPayloadParams) + protowire.SizeBytes(len(e))
		if n > maxRaw {
			return nil, migErr(0, "an account is too large for one QR code")
		}
		if len(groups) == 0 || size+n > maxRaw {
			groups = append(groups, nil)
			size = 0
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], e)
		size += n
	}
	uris := make([]string, len(groups))
	for i, g := range groups {
		var b []byte
		for _, e := range g {
			b = protowire.AppendTag(b, fPayloadParams, protowire.BytesType)
			b = protowire.AppendBytes(b, e)
		}
		b = appendVarintField(b, fPayloadVersion, 1)
		b = appendVarintField(b, fPayloadBatchSize, uint64(len(groups)))
		b = appendVarintField(b, fPayloadBatchIndex, uint64(i))
		b = appendVarintField(b, fPayloadBatchID, uint64(uint32(int32(batchID))))
		uris[i] = "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(b))
	}
	return uris, nil
}

func encodeMigrationParams(c *Credential) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "otp: "))
	}
	var typ uint64
	switch c.Kind {
	case TOTP:
		if c.EffectivePeriod() != DefaultPeriod {
			return nil, fmt.Errorf("a %d s period cannot be exported (the format knows only 30 s)", c.EffectivePeriod())
		}
		typ = migTypeTOTP
	case HOTP:
		typ = migTypeHOTP
	default:
		return nil, fmt.Errorf("%s credentials cannot be exported (the format knows HOTP and TOTP)", c.Kind)
	}
	var digits uint64
	switch c.EffectiveDigits() {
	case 6:
		digits = migDigitsSix
	case 8:
		digits = migDigitsEight
	default:
		return nil, fmt.Errorf("%d digits cannot be exported (the format knows 6 and 8)", c.EffectiveDigits())
	}
	alg := map[Algorithm]uint64{SHA1: migAlgSHA1, SHA256: migAlgSHA256, SHA512: migAlgSHA512}[c.Algorithm]

	var b []byte
	b = protowire.AppendTag(b, fParamSecret, protowire.BytesType)
	b = protowire.AppendBytes(b, c.Secret)
	name := c.Account
	if c.Issuer != "" || strings.Contains(c.Account, ":") {
		// An empty issuer prefix keeps a colon in the account from being
		// read as the end of an issuer.
		name = c.Issuer + ":" + c.Account
	}
	b = protowire.AppendTag(b, fParamName, protowire.BytesType)
	b = protowire.AppendString(b, name)
	if c.Issuer != "" {
		b = protowire.AppendTag(b, fParamIssuer, protowire.BytesType)
		b = protowire.AppendString(b, c.Issuer)
	}
	b = appendVarintField(b, fParamAlgorithm, alg)
	b = appendVarintField(b, fParamDigits, digits)
	b = appendVarintField(b, fParamType, typ)
	if c.Kind == HOTP {
		b = appendVarintField(b, fParamCounter, c.Counter)
	}
	return b, nil
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

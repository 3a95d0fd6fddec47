package imports

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/otp"
)

// FreeOTP+'s JSON backup: "tokens" with the secret as an array of signed
// bytes, and a HOTP counter one below the counter of the next code (newer
// versions count up before computing a code; taking one more than an older
// version meant skips one code, which HOTP servers' look-ahead accepts,
// where one less would give a used code again).

type freeotpFile struct {
	Tokens []struct {
		Algo      string `json:"algo"`
		Counter   uint64 `json:"counter"`
		Digits    int    `json:"digits"`
		IssuerExt string `json:"issuerExt"`
		IssuerInt string `json:"issuerInt"`
		Label     string `json:"label"`
		Period    int    `json:"period"`
		Secret    []int  `json:"secret"`
		Type      string `json:"type"`
		Image     string `json:"imagePath"`
	} `json:"tokens"`
}

func readFreeOTP(data []byte, _ *Options, r *Result) error {
	var f freeotpFile
	if err := json.Unmarshal(trimBOM(data), &f); err != nil {
		return fmt.Errorf("freeotp: %v", jsonErr(err))
	}
	if f.Tokens == nil {
		return notThis("freeotp", `"tokens"`)
	}
	for i, t := range f.Tokens {
		var kind otp.Kind
		counter := uint64(0)
		switch strings.ToUpper(t.Type) {
		case "", "TOTP":
			kind = otp.TOTP
		case "HOTP":
			kind = otp.HOTP
			counter = t.Counter + 1
		default:
			r.problem(pos(i), "type %q not supported by Tessera", clipText(t.Type))
			continue
		}
		alg, err := parseAlgorithm(t.Algo)
		if err != nil {
			r.problem(pos(i), "%v", err)
			continue
		}
		secret := make([]byte, len(t.Secret))
		bad := false
		for j, b := range t.Secret {
			if b < -128 || b > 255 {
				bad = true
				break
			}
			secret[j] = byte(b)
		}
		if bad {
			r.problem(pos(i), "secret holds a number that is not a byte")
			continue
		}
		issuer := t.IssuerExt
		if issuer == "" {
			issuer = t.IssuerInt
		}
		if kind == otp.TOTP && issuer == "Steam" {
			kind = otp.Steam // FreeOTP+ keeps Steam Guard as TOTP under this issuer
		}
		if t.Image != "" {
			r.drop("FreeOTP+ image")
		}
		r.add(pos(i), otpEntry(kind, alg, t.Digits, t.Period, counter, secret, issuer, t.Label))
	}
	return nil
}

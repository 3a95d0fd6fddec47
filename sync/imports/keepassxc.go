package imports

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// KeePassXC's CSV export: "Group","Title","Username","Password","URL",
// "Notes","TOTP",... where TOTP is what Entry::totpSettingsString writes:
// an otpauth URI (with encoder=steam for Steam), whatever the entry's
// settings were stored as. Files edited by hand or written by older tools
// may instead hold KeeOtp's "key=SEED&step=30&size=6" or a bare seed;
// those are read too.

func readKeePassXC(data []byte, _ *Options, r *Result) error {
	return readCSV(data, r, "keepassxc", "TOTP", func(totp string, get func(string) string) (vault.Entry, error) {
		e, err := keepassTOTP(totp)
		if err != nil {
			return e, err
		}
		if t := strings.TrimSpace(get("title")); t != "" {
			e.Issuer = t
		}
		if u := strings.TrimSpace(get("username")); u != "" {
			e.Account = u
		} else if e.Account == "none" {
			e.Account = "" // KeePassXC's stand-in for an empty user name
		}
		e.Note = get("notes")
		g := get("group")
		if g == "Root" {
			g = ""
		}
		e.Tags = addTag(e.Tags, strings.TrimPrefix(g, "Root/"))
		return e, nil
	})
}

func keepassTOTP(s string) (vault.Entry, error) {
	if strings.HasPrefix(strings.ToLower(s), "otpauth:") {
		return uriEntry(s)
	}
	if strings.Contains(s, "key=") {
		q, err := url.ParseQuery(s)
		if err != nil {
			return vault.Entry{}, fmt.Errorf("KeeOtp settings are not a valid query")
		}
		secret, err := decodeSecret(q.Get("key"))
		if err != nil {
			return vault.Entry{}, err
		}
		atoi := func(name string) (int, error) {
			v := q.Get(name)
			if v == "" {
				return 0, nil
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return 0, fmt.Errorf("%s %q is not a number", name, clipText(v))
			}
			return n, nil
		}
		step, err1 := atoi("step")
		size, err2 := atoi("size")
		if err1 != nil {
			return vault.Entry{}, err1
		}
		if err2 != nil {
			return vault.Entry{}, err2
		}
		alg, err := parseAlgorithm(q.Get("otpHashMode"))
		if err != nil {
			return vault.Entry{}, err
		}
		return otpEntry(otp.TOTP, alg, size, step, 0, secret, "", ""), nil
	}
	if _, _, ok := strings.Cut(s, ";"); ok && !strings.ContainsAny(s, "=&") {
		return vault.Entry{}, fmt.Errorf("holds only settings (step;digits), not the seed; export from a KeePassXC that writes otpauth URIs")
	}
	secret, err := decodeSecret(s)
	if err != nil {
		return vault.Entry{}, err
	}
	return otpEntry(otp.TOTP, otp.SHA1, 0, 0, 0, secret, "", ""), nil
}

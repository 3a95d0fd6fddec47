package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

func runCode(env Env, args []string) error {
	fs := newFlags(env, "code", "QUERY [--at TIME] [--vault DIR] | --uri URI [--at TIME]\n"+
		"Prints the code of the one entry whose issuer or account contains QUERY (or whose ID it is), or a token's value.")
	uri := fs.String("uri", "", "an otpauth:// URI to compute the code of, without a vault")
	vf := addVaultFlags(fs)
	at := fs.String("at", "", "the instant, as RFC 3339 or Unix seconds (default now)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	t := time.Now()
	if *at != "" {
		if t, err = parseTime(*at); err != nil {
			return exit(ExitUsage, err)
		}
	}
	if *uri == "" {
		if len(pos) == 0 {
			return usageErr("give --uri URI, or a QUERY to look up in the vault")
		}
		query, err := onlyArg(pos, "QUERY")
		if err != nil {
			return err
		}
		return codeFromVault(env, vf, query, t)
	}
	if len(pos) > 0 {
		return usageErr("--uri takes no other arguments, got %q", pos[0])
	}
	cred, warnings, err := otp.ParseURI(*uri)
	if err != nil {
		return exit(ExitUsage, err)
	}
	for _, w := range warnings {
		fmt.Fprintf(env.Stderr, "tessera code: warning: %s\n", w)
	}
	code, err := cred.Code(t)
	if err != nil {
		return exit(ExitUsage, err)
	}
	fmt.Fprintln(env.Stdout, code)
	return nil
}

// codeFromVault prints the code or token value of the one entry matching
// query. A HOTP code is printed only once its advanced counter is saved
// (AdvanceHOTP), so that no code is shown twice.
func codeFromVault(env Env, vf *vaultFlags, query string, t time.Time) error {
	v, e, err := vf.unlockEntry(env, "code", query)
	if err != nil {
		return err
	}
	defer v.Lock()
	var code string
	switch {
	case e.Kind == vault.KindToken:
		if !e.Token.Expires.IsZero() && !t.Before(e.Token.Expires) {
			fmt.Fprintf(env.Stderr, "tessera code: warning: %s expired at %s\n", shownLabel(&e), formatTime(e.Token.Expires))
		}
		var escaped bool
		if code, escaped = terminalSafe(string(e.Token.Value)); escaped {
			fmt.Fprintf(env.Stderr, "tessera code: warning: the value of %s holds characters a terminal would act on (control or bidi characters); they are printed escaped, as \\xNN or \\uNNNN\n", e.Label())
		}
	case e.OTP.Kind == otp.HOTP:
		if code, err = v.AdvanceHOTP(e.ID); err != nil {
			return vaultErr(fmt.Errorf("the counter could not be saved, so no code is shown: %w", err))
		}
	default:
		if code, err = e.OTP.Code(t); err != nil {
			return exit(ExitDamaged, err)
		}
	}
	fmt.Fprintln(env.Stdout, code)
	return nil
}

// parseTime reads an instant given as RFC 3339 or as Unix seconds.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 (2006-01-02T15:04:05Z) nor Unix seconds", s)
	}
	return t, nil
}

// terminalSafe returns s with every character a terminal would act on
// rather than show (C0 and C1 controls, DEL, bidi formatting characters,
// line and paragraph separators, invalid UTF-8) written as a Go escape
// (\xNN, \uNNNN, and then \\ for a backslash, so the output reads back
// one way), and whether it escaped any. A value with none is returned as
// it is. Values stored before the vault refused such characters are
// printed this way.
func terminalSafe(s string) (string, bool) {
	unsafe := func(i int, r rune) bool {
		return r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") ||
			unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Bidi_Control)
	}
	found := false
	for i, r := range s {
		found = found || unsafe(i, r)
	}
	if !found {
		return s, false
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x100 && unsafe(i, r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(i, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}

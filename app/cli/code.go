package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-auth/tessera/otp"
)

func runCode(env Env, args []string) error {
	fs := newFlags(env, "code", "[--uri URI] [--at TIME]")
	uri := fs.String("uri", "", "an otpauth:// URI to compute the code of, without a vault")
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
		return usageErr("give --uri URI")
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

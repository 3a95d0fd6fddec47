package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// maxTokenSize bounds a token read from standard input.
const maxTokenSize = 64 << 10

func runAdd(env Env, args []string) error {
	fs := newFlags(env, "add", "[--uri URI | --token NAME [--url URL] [--expires TIME]] [--tags T1,T2] [--vault DIR]\n"+
		"With neither --uri nor --token, reads otpauth:// and otpauth-migration:// URIs from standard input, one per line.\n"+
		"With --token, reads the token's value from standard input.")
	vf := addVaultFlags(fs)
	uri := fs.String("uri", "", "an otpauth:// or otpauth-migration:// `URI` to add")
	token := fs.String("token", "", "add an API token called `NAME`, its value read from standard input")
	account := fs.String("account", "", "the account a token belongs to")
	url := fs.String("url", "", "where the token is used or managed")
	expires := fs.String("expires", "", "when the token expires: YYYY-MM-DD, RFC 3339 or Unix seconds")
	tags := fs.String("tags", "", "comma-separated tags for the new entries")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *uri != "" && *token != "" {
		return usageErr("give --uri or --token, not both")
	}
	if *token == "" && (*url != "" || *expires != "" || *account != "") {
		return usageErr("--url, --expires and --account go with --token")
	}
	tagList := splitTags(*tags)

	// Read and check the input before asking for the passphrase.
	var entries []vault.Entry
	var lineOf []int // input line of each entry, 0 for --uri and --token
	type problem struct {
		line int
		msg  string
	}
	var problems []problem
	switch {
	case *token != "":
		e, err := tokenEntry(env, *token, *account, *url, *expires)
		if err != nil {
			return err
		}
		entries, lineOf = []vault.Entry{e}, []int{0}
	case *uri != "":
		es, err := uriEntries(env, *uri, "")
		if err != nil {
			return exit(ExitUsage, err)
		}
		entries = es
		lineOf = make([]int, len(es))
	default:
		if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			// Otherwise a person sees a command that seems to hang.
			fmt.Fprintln(env.Stderr, "tessera add: paste otpauth:// or otpauth-migration:// links, one per line, then press Ctrl+D (on Windows Ctrl+Z, Enter)")
		}
		in := &countingReader{r: io.LimitReader(env.Stdin, maxAddInput+1)}
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 0, 4096), otp.MaxURILength+2)
		lines := 0
		for n := 1; sc.Scan(); n++ {
			lines = n
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			es, err := uriEntries(env, line, fmt.Sprintf("line %d: ", n))
			if err != nil {
				problems = append(problems, problem{n, err.Error()})
				continue
			}
			for range es {
				lineOf = append(lineOf, n)
			}
			entries = append(entries, es...)
		}
		if in.n > maxAddInput {
			// Never drop the rest silently: a URI past the cut would be
			// lost. The last line scanned is the one cut short.
			return usageErr("standard input is longer than %d MiB, so it was cut after line %d; nothing was added (give the URIs in smaller parts)", maxAddInput>>20, lines-1)
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return usageErr("a line of standard input is longer than %d bytes", otp.MaxURILength)
			}
			return usageErr("reading standard input: %v", err)
		}
		if len(entries) == 0 && len(problems) == 0 {
			return usageErr("no URIs on standard input (give --uri URI, or one URI per line)")
		}
	}
	report := func() {
		slices.SortStableFunc(problems, func(a, b problem) int { return a.line - b.line })
		for _, p := range problems {
			if p.line > 0 {
				fmt.Fprintf(env.Stderr, "tessera add: line %d: %s\n", p.line, p.msg)
			} else {
				fmt.Fprintf(env.Stderr, "tessera add: %s\n", p.msg)
			}
		}
	}
	if len(entries) == 0 {
		report()
		return usageErr("nothing to add: every line had an error")
	}

	v, err := vf.unlock(env, "add", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	var added []vault.Entry
	for i, e := range entries {
		e.Tags = tagList
		got, err := v.Add(e)
		if err != nil {
			if len(entries) == 1 && len(problems) == 0 {
				return vaultErr(err)
			}
			problems = append(problems, problem{lineOf[i], err.Error() + "; skipped"})
			continue
		}
		added = append(added, got)
	}
	if len(added) > 0 {
		if err := v.Save(); err != nil {
			report()
			return vaultErr(fmt.Errorf("nothing was added: %w", err))
		}
	}
	for _, e := range added {
		fmt.Fprintf(env.Stdout, "added %s  %s (%s)\n", e.ID, shownLabel(&e), e.KindName())
	}
	if len(problems) > 0 {
		report()
		return exit(ExitUsage, fmt.Errorf("%d added, %d not (see above)", len(added), len(problems)))
	}
	return nil
}

// uriEntries reads an otpauth or otpauth-migration URI into entries,
// printing the parser's warnings.
func uriEntries(env Env, s, where string) ([]vault.Entry, error) {
	if strings.HasPrefix(strings.ToLower(s), "otpauth-migration:") {
		batch, err := otp.ParseMigration(s)
		if err != nil {
			return nil, err
		}
		if batch.BatchSize > 1 {
			fmt.Fprintf(env.Stderr, "tessera add: %snote: this is part %d of %d of a Google Authenticator export; add the other parts too\n",
				where, batch.BatchIndex+1, batch.BatchSize)
		}
		out := make([]vault.Entry, len(batch.Credentials))
		for i, c := range batch.Credentials {
			out[i] = vault.Entry{Kind: vault.KindOTP, OTP: c}
		}
		return out, nil
	}
	c, warnings, err := otp.ParseURI(s)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintf(env.Stderr, "tessera add: %swarning: %s\n", where, w)
	}
	return []vault.Entry{{Kind: vault.KindOTP, OTP: c}}, nil
}

// tokenEntry reads a token's value from standard input.
func tokenEntry(env Env, name, account, url, expires string) (vault.Entry, error) {
	e := vault.Entry{Kind: vault.KindToken, Issuer: name, Account: account, Token: vault.Token{URL: url}}
	if expires != "" {
		t, err := parseExpiry(expires)
		if err != nil {
			return e, exit(ExitUsage, err)
		}
		e.Token.Expires = t
	}
	b, err := io.ReadAll(io.LimitReader(env.Stdin, maxTokenSize+1))
	if err != nil {
		return e, usageErr("reading the token from standard input: %v", err)
	}
	if len(b) > maxTokenSize {
		return e, usageErr("the token on standard input is longer than %d bytes", maxTokenSize)
	}
	val := strings.TrimSpace(string(b))
	clear(b)
	if val == "" {
		return e, usageErr("no token on standard input (pipe it in: tessera add --token NAME < file)")
	}
	if strings.ContainsAny(val, "\r\n") {
		return e, usageErr("the token on standard input spans several lines; give one token")
	}
	e.Token.Value = []byte(val)
	return e, nil
}

// parseExpiry reads a date (YYYY-MM-DD, meaning its start in UTC), an
// RFC 3339 time or Unix seconds.
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", strings.TrimSpace(s)); err == nil {
		return t, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return t, fmt.Errorf("--expires: %w (or YYYY-MM-DD)", err)
	}
	return t, nil
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// maxAddInput bounds what add reads from standard input.
const maxAddInput = 64 << 20

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

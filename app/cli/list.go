package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"

	"golang.org/x/term"
	"golang.org/x/text/width"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// listEntry is one element of list --json. It never holds a secret.
type listEntry struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	Issuer    string     `json:"issuer"`
	Account   string     `json:"account"`
	Algorithm string     `json:"algorithm,omitempty"`
	Digits    int        `json:"digits,omitempty"`
	Period    *int       `json:"period,omitempty"`
	Counter   *uint64    `json:"counter,omitempty"`
	URL       string     `json:"url,omitempty"`
	Expires   *time.Time `json:"expires,omitempty"`
	Tags      []string   `json:"tags"`
	Favourite bool       `json:"favourite"`
	Created   time.Time  `json:"created"`
	Modified  time.Time  `json:"modified"`
}

func runList(env Env, args []string) error {
	fs := newFlags(env, "list", "[--json] [--vault DIR]")
	vf := addVaultFlags(fs)
	asJSON := fs.Bool("json", false, "print a JSON array of objects (never with secrets)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	v, err := vf.unlock(env, "list", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	entries := v.Entries()
	if *asJSON {
		out := make([]listEntry, len(entries))
		for i, e := range entries {
			out[i] = toListEntry(&e)
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\n", b)
		return nil
	}
	if len(entries) == 0 {
		return nil
	}
	// A person at a terminal gets a header; scripts that read the lines
	// (or better, --json) get the entries alone.
	var rows [][]string
	if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		rows = append(rows, listHeader)
	}
	for _, e := range entries {
		rows = append(rows, []string{cell(e.Issuer), cell(e.Account), e.KindName(), cell(strings.Join(e.Tags, ",")), e.ID})
	}
	writeTable(env.Stdout, rows)
	return nil
}

// listHeader heads list's columns on a terminal.
var listHeader = []string{"ISSUER", "ACCOUNT", "KIND", "TAGS", "ID"}

// writeTable writes rows in columns two spaces apart, measuring text as a
// terminal shows it: CJK and emoji take two cells, combining marks none
// (text/tabwriter counts runes, which misaligns them).
func writeTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		b.Reset()
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
		io.WriteString(w, b.String())
	}
}

// displayWidth returns how many terminal cells s takes.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case width.LookupRune(r).Kind() == width.EastAsianWide, width.LookupRune(r).Kind() == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func toListEntry(e *vault.Entry) listEntry {
	l := listEntry{ID: e.ID, Kind: e.KindName(), Issuer: e.Issuer, Account: e.Account, Tags: e.Tags,
		Favourite: e.Favourite, Created: e.Created, Modified: e.Modified}
	if l.Tags == nil {
		l.Tags = []string{}
	}
	switch e.Kind {
	case vault.KindOTP:
		l.Algorithm = e.OTP.Algorithm.String()
		l.Digits = e.OTP.EffectiveDigits()
		if e.OTP.Kind == otp.HOTP {
			c := e.OTP.Counter
			l.Counter = &c
		} else {
			p := e.OTP.EffectivePeriod()
			l.Period = &p
		}
	case vault.KindToken:
		l.URL = e.Token.URL
		if !e.Token.Expires.IsZero() {
			t := e.Token.Expires
			l.Expires = &t
		}
	}
	return l
}

// cell makes a value fit one column of a line: "-" when empty; tabs and
// line breaks become spaces, and other control characters and the bidi
// controls that could reorder what a terminal shows (U+202E) are written
// as \u escapes, so that a name cannot pass for another.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	// Names saved before the vault refused control and bidi characters
	// (or merged in from such a vault) are shown escaped, so that none
	// can show as another.
	s, _ = terminalSafe(strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s))
	return s
}

// shownLabel is an entry's label as messages print it, escaped as a
// list cell is.
func shownLabel(e *vault.Entry) string { return cell(e.Label()) }

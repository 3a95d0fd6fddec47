package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

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
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cell(e.Issuer), cell(e.Account), e.KindName(), cell(strings.Join(e.Tags, ",")), e.ID)
	}
	return tw.Flush()
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

// cell makes a value fit one tab-separated column: "-" when empty, and no
// tabs or line breaks.
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

// Package imports reads the export files of other authenticator apps into
// vault entries, so that people can bring years of accounts to Tessera.
//
// # Formats
//
// One file per format: Aegis (plain and encrypted), 2FAS (plain and
// password-protected), andOTP (plain, and both encrypted forms), Ente Auth
// (plain text and encrypted), Bitwarden (JSON, CSV, password-protected JSON),
// FreeOTP+ (JSON; its URI list is a list of URIs), Proton Authenticator
// (plain and encrypted), Authenticator Pro / Stratum (plain, and both
// encrypted headers), LastPass Authenticator, KeePassXC CSV, Steam Desktop
// Authenticator (.maFile or manifest.json, plain or encrypted), lists of otpauth and otpauth-migration URIs (Google
// Authenticator, WinAuth, Authy extractors, FreeOTP+, Ente plain) and QR
// images of them. [Formats] lists the names [Options.Format] takes.
//
// # Untrusted input
//
// Files come from anywhere: every size is capped ([MaxInputSize],
// [MaxEntries]), key derivation costs read from a file are bounded before
// any work is done ([*CostError]), and every parser is fuzzed. An entry that
// cannot be used is reported as a [Problem] with its position and the
// others still import; what a format carries that Tessera cannot keep is
// named in [Result.Dropped]. Errors and problems never hold a secret.
//
// Duplicate skipping against a vault is [Dedupe]'s (same secret and kind,
// whatever the names), run by the caller just before adding, and
// [RaiseCounters] then lifts the HOTP counters of accounts the vault
// already had to the file's where those are higher.
package imports

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// Limits on untrusted files.
const (
	MaxInputSize = 64 << 20 // bytes of one export file
	MaxEntries   = 100_000  // entries of one export file
)

// Errors that callers tell apart.
var (
	// ErrUnknownFormat: the file is not one of the known formats (or not
	// the one named in Options.Format).
	ErrUnknownFormat = errors.New("not a known export format")
	// ErrWrongPassphrase: the file is encrypted and the passphrase given
	// does not open it.
	ErrWrongPassphrase = errors.New("wrong passphrase for this export")
	// ErrNeedPassphrase: the file is encrypted and Options.Passphrase is nil.
	ErrNeedPassphrase = errors.New("the export is encrypted and no passphrase was given")
	// ErrTooLarge: the file is larger than MaxInputSize or holds more than
	// MaxEntries entries.
	ErrTooLarge = errors.New("export too large")
)

// CostError is a key derivation that a file asks for and that is out of the
// bounds Tessera accepts (such as 64 GiB of Argon2 memory): a hostile or
// damaged file.
type CostError struct {
	Format string // the format's name
	Param  string // the parameter at fault, as the file names it
	Value  uint64
	Max    uint64
}

func (e *CostError) Error() string {
	return fmt.Sprintf("%s: key derivation parameter %s = %d is out of bounds (at most %d): the file is damaged or hostile", e.Format, e.Param, e.Value, e.Max)
}

// Options say how to read an export.
type Options struct {
	// Format is one of Formats(); empty means sniff it from the name and
	// content.
	Format string
	// Passphrase is called once, when the file turns out to be encrypted.
	// The caller may zero the returned bytes after Read returns.
	Passphrase func() ([]byte, error)
	// ReadRelated reads a file beside the export, by its base name, for
	// exports spread over several files (Steam Desktop Authenticator's
	// manifest.json and .maFiles). Nil when there is no folder to look in.
	ReadRelated func(name string) ([]byte, error)

	name string // the export's file name, as given to Read
}

// Item is one entry read from an export, with where it was in the file.
type Item struct {
	Entry    vault.Entry
	Position string // such as "entry 3" or "line 7"
}

// Problem is an entry of the file that was skipped, with why.
type Problem struct {
	Position string
	Reason   string
}

func (p Problem) String() string { return p.Position + ": " + p.Reason }

// Result is what an export held.
type Result struct {
	Format   string // the format read, one of Formats()
	Items    []Item
	Problems []Problem // entries skipped
	Dropped  []string  // what the file carried that Tessera cannot keep
	Parts    []Part    // the Google Authenticator export parts read, for MissingParts

	dropped map[string]int
	full    bool
}

// Entries returns the entries read, in file order.
func (r *Result) Entries() []vault.Entry {
	out := make([]vault.Entry, len(r.Items))
	for i := range r.Items {
		out[i] = r.Items[i].Entry
	}
	return out
}

// problem records a skipped entry.
func (r *Result) problem(pos, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{pos, fmt.Sprintf(format, args...)})
}

// drop records one entry's field that cannot be kept.
func (r *Result) drop(what string) {
	if r.dropped == nil {
		r.dropped = map[string]int{}
	}
	r.dropped[what]++
}

// add appends an OTP entry after checking its credential, or records why it
// cannot be used.
func (r *Result) add(pos string, e vault.Entry) {
	if len(r.Items) >= MaxEntries {
		if !r.full {
			r.full = true
			r.problem(pos, "more than %d entries; the rest were not read", MaxEntries)
		}
		return
	}
	if e.Kind == vault.KindOTP {
		e.OTP.Issuer, e.OTP.Account = e.Issuer, e.Account
		if err := e.OTP.Validate(); err != nil {
			r.problem(pos, "%s", strings.TrimPrefix(err.Error(), "otp: "))
			return
		}
		if e.Issuer == "" && e.Account == "" {
			r.problem(pos, "it has neither an issuer nor an account name")
			return
		}
	}
	r.Items = append(r.Items, Item{Entry: e, Position: pos})
}

// finish turns the drop counts into Dropped.
func (r *Result) finish() {
	for what, n := range r.dropped {
		s := "entries"
		if n == 1 {
			s = "entry"
		}
		r.Dropped = append(r.Dropped, fmt.Sprintf("%s (%d %s)", what, n, s))
	}
	sort.Strings(r.Dropped)
	r.dropped = nil
}

// format is one export format.
type format struct {
	name    string
	summary string
	read    func(data []byte, opts *Options, r *Result) error
}

// formats lists every format, in the order Formats returns them.
var formats = []format{
	{"uris", "otpauth:// and otpauth-migration:// URIs, one per line (Google Authenticator, Ente plain, FreeOTP+, WinAuth, Authy extractors)", readURIs},
	{"qr", "QR code images (PNG, JPEG, GIF, BMP, WebP) such as Google Authenticator's export screens", readQR},
	{"aegis", "Aegis JSON, plain or encrypted", readAegis},
	{"2fas", "2FAS .2fas backup, plain or password-protected", read2FAS},
	{"andotp", "andOTP JSON, or its encrypted .json.aes backup (both forms)", readAndOTP},
	{"ente", "Ente Auth encrypted export (its plain export is a URI list)", readEnte},
	{"bitwarden", "Bitwarden JSON export, plain or password-protected", readBitwarden},
	{"bitwarden-csv", "Bitwarden CSV export", readBitwardenCSV},
	{"freeotp", "FreeOTP+ JSON backup", readFreeOTP},
	{"proton", "Proton Authenticator export, plain or encrypted", readProton},
	{"authpro", "Authenticator Pro / Stratum backup, plain or encrypted", readAuthPro},
	{"lastpass", "LastPass Authenticator JSON export", readLastPass},
	{"keepassxc", "KeePassXC CSV export (its TOTP column)", readKeePassXC},
	{"steam", "Steam Desktop Authenticator manifest.json or .maFile, plain or encrypted", readSteam},
}

// Formats returns the names Options.Format takes, with a line about each.
func Formats() [][2]string {
	out := make([][2]string, len(formats))
	for i, f := range formats {
		out[i] = [2]string{f.name, f.summary}
	}
	return out
}

func lookup(name string) (format, bool) {
	for _, f := range formats {
		if f.name == strings.ToLower(name) {
			return f, true
		}
	}
	return format{}, false
}

// Read reads the export data, whose file name (or "" when unknown) helps
// to tell its format. It returns what the file holds; entries it cannot use
// are in Result.Problems. An error means nothing could be read: an unknown
// format, a damaged file, a wrong passphrase ([ErrWrongPassphrase]), a
// missing one ([ErrNeedPassphrase]), too large a file ([ErrTooLarge]) or too
// costly a key derivation ([*CostError]).
func Read(name string, data []byte, opts Options) (*Result, error) {
	if len(data) > MaxInputSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(data), MaxInputSize)
	}
	var f format
	if opts.Format != "" {
		var ok bool
		if f, ok = lookup(opts.Format); !ok {
			return nil, fmt.Errorf("format %q unknown (want one of %s)", opts.Format, formatNames())
		}
	} else {
		var ok bool
		if f, ok = lookup(Sniff(name, data)); !ok {
			return nil, fmt.Errorf("%w: give the format with --format (one of %s)", ErrUnknownFormat, formatNames())
		}
	}
	r := &Result{Format: f.name}
	opts.name = name
	if err := f.read(data, &opts, r); err != nil {
		return nil, err
	}
	r.finish()
	return r, nil
}

func formatNames() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// passphrase asks for the passphrase of an encrypted file.
func passphrase(opts *Options) ([]byte, error) {
	if opts.Passphrase == nil {
		return nil, ErrNeedPassphrase
	}
	p, err := opts.Passphrase()
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: it is empty", ErrWrongPassphrase)
	}
	return p, nil
}

// wrongPass wraps ErrWrongPassphrase with the format's name.
func wrongPass(format string) error {
	return fmt.Errorf("%s: %w (or the file is damaged)", format, ErrWrongPassphrase)
}

// otpEntry builds an OTP entry.
func otpEntry(kind otp.Kind, alg otp.Algorithm, digits, period int, counter uint64, secret []byte, issuer, account string) vault.Entry {
	c := otp.Credential{Kind: kind, Algorithm: alg, Digits: digits, Period: period, Counter: counter, Secret: secret}
	switch kind {
	case otp.Steam:
		c.Digits = otp.SteamDigits
		c.Counter = 0
		if c.Period == 0 {
			c.Period = otp.DefaultPeriod
		}
	case otp.HOTP:
		c.Period = 0
		if c.Digits == 0 {
			c.Digits = otp.DefaultDigits
		}
	default:
		c.Counter = 0
		if c.Digits == 0 {
			c.Digits = otp.DefaultDigits
		}
		if c.Period == 0 {
			c.Period = otp.DefaultPeriod
		}
	}
	issuer, account = strings.TrimSpace(issuer), strings.TrimSpace(account)
	return vault.Entry{Kind: vault.KindOTP, Issuer: issuer, Account: account, OTP: c}
}

// uriEntry reads an otpauth URI (or a Bitwarden/Proton steam://SECRET) into
// an entry.
func uriEntry(s string) (vault.Entry, error) {
	s = strings.TrimSpace(s)
	if len(s) > 8 && strings.EqualFold(s[:8], "steam://") {
		secret, err := otp.DecodeSecret(s[8:])
		if err != nil {
			return vault.Entry{}, errors.New(strings.TrimPrefix(err.Error(), "otp: "))
		}
		return otpEntry(otp.Steam, otp.SHA1, 0, 0, 0, secret, "Steam", ""), nil
	}
	c, _, err := otp.ParseURI(s)
	if err != nil {
		return vault.Entry{}, err
	}
	return vault.Entry{Kind: vault.KindOTP, Issuer: c.Issuer, Account: c.Account, OTP: c}, nil
}

// parseAlgorithm reads an algorithm name; "" is SHA1.
func parseAlgorithm(s string) (otp.Algorithm, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if s == "" {
		return otp.SHA1, nil
	}
	a, err := otp.ParseAlgorithm(s)
	if err != nil {
		return 0, errors.New(strings.TrimPrefix(err.Error(), "otp: "))
	}
	return a, nil
}

// decodeSecret decodes a base32 secret, with messages that name no secret.
func decodeSecret(s string) ([]byte, error) {
	b, err := otp.DecodeSecret(s)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "otp: "))
	}
	return b, nil
}

// notThis is the error of a file that parses but is not the format named.
func notThis(format, missing string) error {
	return fmt.Errorf("%s: %w: it has no %s", format, ErrUnknownFormat, missing)
}

// pos names the n-th (0-based) entry of a list.
func pos(n int) string { return fmt.Sprintf("entry %d", n+1) }

// addTag appends a tag once.
func addTag(tags []string, t string) []string {
	t = strings.TrimSpace(t)
	if t == "" {
		return tags
	}
	for _, x := range tags {
		if x == t {
			return tags
		}
	}
	return append(tags, t)
}

package backup

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"filippo.io/age/plugin"
)

// ErrWrongKey is returned by [Read] when none of the identities (or the
// passphrase) opens the backup.
var ErrWrongKey = errors.New("wrong passphrase or key for this backup")

// ErrDamaged is wrapped by errors of [Read] about a file that is not an age
// file, or was changed or cut short.
var ErrDamaged = errors.New("backup file damaged or not an age file")

// Options say how [Write] encrypts. Exactly one of Passphrase and
// Recipients is set.
type Options struct {
	// Passphrase encrypts with age's scrypt recipient: `age -d` asks for it.
	Passphrase string
	// WorkFactor is the scrypt work factor (log2 N) for Passphrase; zero
	// means age's default, 18. Values below 18 are for tests.
	WorkFactor int
	// Recipients encrypt to public keys (see [ParseRecipient]).
	Recipients []age.Recipient
	// Armor writes the PEM-like text form age -a writes.
	Armor bool
}

// Write encodes f and encrypts it as one age file to w.
func Write(w io.Writer, f *File, opts Options) error {
	plain, err := Encode(f)
	if err != nil {
		return err
	}
	defer clear(plain)
	return Encrypt(w, plain, opts)
}

// Encrypt encrypts plain as one age file to w, as opts say.
func Encrypt(w io.Writer, plain []byte, opts Options) error {
	var recs []age.Recipient
	switch {
	case opts.Passphrase != "" && len(opts.Recipients) > 0:
		return errors.New("a backup is encrypted with a passphrase or to recipients, not both (age cannot mix them)")
	case opts.Passphrase != "":
		r, err := age.NewScryptRecipient(opts.Passphrase)
		if err != nil {
			return fmt.Errorf("backup passphrase: %w", err)
		}
		if opts.WorkFactor != 0 {
			r.SetWorkFactor(opts.WorkFactor)
		}
		recs = []age.Recipient{r}
	case len(opts.Recipients) > 0:
		recs = opts.Recipients
	default:
		return errors.New("a backup needs a passphrase or at least one recipient")
	}
	out := w
	var aw io.WriteCloser
	if opts.Armor {
		aw = armor.NewWriter(w)
		out = aw
	}
	ew, err := age.Encrypt(out, recs...)
	if err != nil {
		return fmt.Errorf("encrypting backup: %w", err)
	}
	if _, err := ew.Write(plain); err != nil {
		return fmt.Errorf("writing backup: %w", err)
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("writing backup: %w", err)
	}
	if aw != nil {
		if err := aw.Close(); err != nil {
			return fmt.Errorf("writing backup: %w", err)
		}
	}
	return nil
}

// Read decrypts a backup (armored or binary) with the given identities and
// decodes it. A passphrase is given as age.NewScryptIdentity makes it.
// Errors wrap [ErrWrongKey], [ErrDamaged] or [ErrFormat], or are a
// [*VersionError].
func Read(r io.Reader, ids ...age.Identity) (*File, error) {
	plain, err := Decrypt(r, ids...)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return Decode(plain)
}

// Decrypt returns the plaintext of an age file (armored or binary), at most
// [MaxSize] bytes. Errors are those of [Read].
func Decrypt(r io.Reader, ids ...age.Identity) ([]byte, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if head, _ := br.Peek(len(armor.Header)); string(head) == armor.Header {
		in = armor.NewReader(br)
	}
	dr, err := age.Decrypt(in, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) || errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, ErrWrongKey
		}
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	plain, err := io.ReadAll(io.LimitReader(dr, MaxSize+1))
	if err != nil {
		clear(plain)
		return nil, fmt.Errorf("%w: %v", ErrDamaged, err)
	}
	if len(plain) > MaxSize {
		clear(plain)
		return nil, fmt.Errorf("%w: more than %d bytes of plaintext", ErrFormat, MaxSize)
	}
	return plain, nil
}

// NeedsPassphrase reports whether the age file that head begins (at least
// its first few hundred bytes, armored or binary) is encrypted with a
// passphrase, so that a program knows to ask for one rather than for a key.
func NeedsPassphrase(head []byte) bool {
	if bytes.HasPrefix(head, []byte(armor.Header)) {
		// Armored: the header is base64 in whole lines; decode what we have.
		var buf bytes.Buffer
		io.Copy(&buf, armor.NewReader(bytes.NewReader(head)))
		head = buf.Bytes()
	}
	const intro = "age-encryption.org/v1\n"
	rest, ok := bytes.CutPrefix(head, []byte(intro))
	return ok && bytes.HasPrefix(rest, []byte("-> scrypt "))
}

// ParseRecipient reads one recipient as the age command line takes it: an
// age X25519 public key (age1...), an age plugin recipient
// (age1NAME1...), a post-quantum hybrid key (age1pq1..., which age before
// 1.3 cannot decrypt), or an SSH public key in authorized_keys form
// (ssh-ed25519 or ssh-rsa). ui talks to the person for plugins; nil
// means plugins may not ask anything.
func ParseRecipient(s string, ui *plugin.ClientUI) (age.Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		return age.ParseHybridRecipient(s)
	case strings.HasPrefix(s, "age1") && strings.Count(s, "1") > 1:
		if ui == nil {
			ui = quietUI
		}
		r, err := plugin.NewRecipient(s, ui)
		if err != nil {
			return nil, fmt.Errorf("plugin recipient: %w", err)
		}
		return r, nil
	case strings.HasPrefix(s, "age1"):
		return age.ParseX25519Recipient(s)
	case strings.HasPrefix(s, "ssh-ed25519 "), strings.HasPrefix(s, "ssh-rsa "):
		return agessh.ParseRecipient(s)
	case strings.HasPrefix(s, "ssh-"), strings.HasPrefix(s, "ecdsa-"), strings.HasPrefix(s, "sk-"):
		return nil, &unsupportedKeyError{kind: strings.Fields(s)[0]}
	}
	return nil, fmt.Errorf("not a recipient: want an age public key (age1...), an age plugin recipient or an ssh-ed25519 or ssh-rsa public key")
}

// unsupportedKeyError is an SSH key of a kind age cannot encrypt to.
type unsupportedKeyError struct{ kind string }

func (e *unsupportedKeyError) Error() string {
	return fmt.Sprintf("%s keys cannot be encrypted to (age takes ssh-ed25519 and ssh-rsa)", clip(e.kind))
}

var quietUI = &plugin.ClientUI{
	DisplayMessage: func(name, message string) error { return nil },
	RequestValue: func(name, prompt string, secret bool) (string, error) {
		return "", fmt.Errorf("plugin %s asked for input, which this program cannot give", name)
	},
	Confirm: func(name, prompt, yes, no string) (bool, error) {
		return false, fmt.Errorf("plugin %s asked for a confirmation, which this program cannot give", name)
	},
	WaitTimer: func(name string) {},
}

// Recipient-file limits, as age's own.
const (
	maxRecipientsFile = 16 << 20
	maxRecipientLine  = 8 << 10
)

// ParseRecipients reads a recipients file as `age -R` does: one recipient a
// line, blank lines and lines starting with # ignored. A GitHub .keys file
// (https://github.com/NAME.keys) is such a file; SSH keys of kinds age
// cannot encrypt to (ecdsa, security-key) are skipped, and each skip is
// returned as a warning, as long as one usable recipient remains. Errors
// name the file (name) and line.
func ParseRecipients(r io.Reader, name string, ui *plugin.ClientUI) (recs []age.Recipient, warnings []string, err error) {
	lr := &io.LimitedReader{R: r, N: maxRecipientsFile + 1}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 0, 4096), maxRecipientLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rec, err := ParseRecipient(line, ui)
		var uk *unsupportedKeyError
		if errors.As(err, &uk) {
			warnings = append(warnings, fmt.Sprintf("%s line %d: skipped: %v", name, n, err))
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s line %d: %v", name, n, err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, fmt.Errorf("%s line %d: longer than %d bytes", name, n+1, maxRecipientLine)
		}
		return nil, nil, fmt.Errorf("reading %s: %v", name, err)
	}
	if lr.N <= 0 {
		return nil, nil, fmt.Errorf("%s is larger than %d bytes", name, maxRecipientsFile)
	}
	if len(recs) == 0 {
		return nil, warnings, fmt.Errorf("%s holds no recipient age can encrypt to", name)
	}
	return recs, warnings, nil
}

// ParseIdentities reads an identity file as `age -i` does: age secret keys
// (AGE-SECRET-KEY-1..., one a line, # comments), or one unencrypted SSH
// private key (ed25519 or RSA) in PEM form.
func ParseIdentities(r io.Reader, name string) ([]age.Identity, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxRecipientsFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, err)
	}
	defer clear(b)
	if len(b) > maxRecipientsFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxRecipientsFile)
	}
	if bytes.Contains(b, []byte("-----BEGIN")) {
		id, err := agessh.ParseIdentity(b)
		if err != nil {
			return nil, fmt.Errorf("%s: not an SSH private key age can use (an ed25519 or RSA key without passphrase): %v", name, err)
		}
		return []age.Identity{id}, nil
	}
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		// age's message may quote a character of a malformed key: keep
		// only where it is.
		msg := err.Error()
		if at, _, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(at, "error at line") {
			msg = at + ": not a valid age secret key"
		}
		return nil, fmt.Errorf("%s: %s", name, msg)
	}
	return ids, nil
}

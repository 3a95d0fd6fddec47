package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/tessera-auth/tessera/vault"
)

// vaultOpts are the vault options of the command line. Tests lower the
// scrypt work factor and the lock wait through export_test.go.
var vaultOpts = vault.Options{}

// openTerminal opens the terminal to ask for a passphrase on, even when
// standard input is a pipe. Tests replace it.
var openTerminal = func() (*os.File, error) {
	if runtime.GOOS == "windows" {
		return os.OpenFile("CONIN$", os.O_RDWR, 0)
	}
	return os.OpenFile("/dev/tty", os.O_RDWR, 0)
}

// vaultFlags are the flags every vault verb takes.
type vaultFlags struct {
	dir          string
	passFile     string
	recovery     bool
	recoveryFile string
	securityKey  bool

	// pass is the passphrase the vault was unlocked with, if it was: a
	// rekey seals the passphrase slot again with it.
	pass string
}

// addVaultFlags registers --vault, --passphrase-file, --recovery and
// --recovery-code-file on fs: the flags of verbs that unlock the vault.
func addVaultFlags(fs *flag.FlagSet) *vaultFlags {
	f := addVaultDirFlag(fs)
	fs.StringVar(&f.passFile, "passphrase-file", "", "read the passphrase from the first line of `FILE` (default $TESSERA_PASSPHRASE_FILE, else ask)")
	fs.BoolVar(&f.recovery, "recovery", false, "unlock with the recovery code instead of the passphrase (asked for)")
	fs.StringVar(&f.recoveryFile, "recovery-code-file", "", "unlock with the recovery code in `FILE` (its AGE-SECRET-KEY-1... line)")
	fs.BoolVar(&f.securityKey, "security-key", false, "unlock with a security key (in the browser) or an age plugin key instead of the passphrase")
	return f
}

// addVaultDirFlag registers --vault alone, for verbs that need no key.
func addVaultDirFlag(fs *flag.FlagSet) *vaultFlags {
	f := new(vaultFlags)
	fs.StringVar(&f.dir, "vault", "", "the vault folder (default $TESSERA_VAULT, else the per-user data folder)")
	return f
}

// path returns the vault folder the flags and environment name.
func (f *vaultFlags) path(env Env) (string, error) {
	if f.dir != "" {
		return f.dir, nil
	}
	d, err := vault.DefaultDir(env.Getenv)
	if err != nil {
		return "", usageErr("%v", err)
	}
	return d, nil
}

// open opens the vault without unlocking it.
func (f *vaultFlags) open(env Env) (*vault.Vault, error) {
	dir, err := f.path(env)
	if err != nil {
		return nil, err
	}
	v, err := vault.Open(dir, &vaultOpts)
	if err != nil {
		return nil, vaultErr(err)
	}
	return v, nil
}

// unlock opens and unlocks the vault with the passphrase or recovery code.
// With allowDamaged, a vault whose body is damaged is returned unlocked
// (for restore) after its message is printed. A body older than a save made
// after it (put back by hand or by a sync tool) is warned of on stderr.
func (f *vaultFlags) unlock(env Env, verb string, allowDamaged bool) (*vault.Vault, error) {
	v, err := f.open(env)
	if err != nil {
		return nil, err
	}
	switch {
	case f.securityKey:
		err = unlockWithKey(env, v)
	case f.recoveryFile != "":
		code, rerr := readRecoveryFile(f.recoveryFile)
		if rerr != nil {
			return nil, rerr
		}
		err = v.UnlockRecoveryCode(code)
	case f.recovery:
		code, rerr := askSecret(env, "Recovery code: ")
		if rerr != nil {
			return nil, rerr
		}
		err = v.UnlockRecoveryCode(code)
	default:
		pass, rerr := f.passphrase(env, "Passphrase: ")
		if rerr != nil {
			return nil, rerr
		}
		err = v.UnlockPassphrase(pass)
		f.pass = pass
	}
	if err != nil {
		if allowDamaged && errors.Is(err, vault.ErrDamaged) && !v.Locked() {
			fmt.Fprintf(env.Stderr, "tessera %s: %v\n", verb, err)
			return v, nil
		}
		return nil, vaultErr(err)
	}
	if r := v.Rollback(); r != nil {
		fmt.Fprintf(env.Stderr, "tessera %s: warning: %s\n", verb, r)
	}
	return v, nil
}

// parseUnlock parses the flags of a verb that takes no positional
// arguments, refusing any, and unlocks the vault the flags name. The caller
// locks the vault when done.
func (f *vaultFlags) parseUnlock(env Env, fs *flag.FlagSet, args []string) (*vault.Vault, error) {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if err := noArgs(pos); err != nil {
		return nil, err
	}
	return f.unlock(env, fs.Name(), false)
}

// passphrase reads the passphrase from --passphrase-file,
// $TESSERA_PASSPHRASE_FILE or the terminal.
func (f *vaultFlags) passphrase(env Env, prompt string) (string, error) {
	file := f.passFile
	if file == "" {
		file = env.Getenv("TESSERA_PASSPHRASE_FILE")
	}
	if file != "" {
		return readSecretFile(file)
	}
	return askSecret(env, prompt)
}

// readSecretFile returns the first line of file.
func readSecretFile(file string) (string, error) {
	fh, err := os.Open(file)
	if err != nil {
		return "", usageErr("reading passphrase file: %v", err)
	}
	defer fh.Close()
	line, err := bufio.NewReader(io.LimitReader(fh, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", usageErr("reading passphrase file: %v", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usageErr("passphrase file %s: the first line is empty", file)
	}
	return line, nil
}

// readRecoveryFile returns the recovery code in file: its first line that
// holds one, so that the saved output of tessera init serves.
func readRecoveryFile(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", usageErr("reading recovery code file: %v", err)
	}
	defer clear(b)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(strings.ToUpper(line), "AGE-SECRET-KEY-1") {
			return strings.TrimSpace(line), nil
		}
	}
	return "", usageErr("recovery code file %s holds no AGE-SECRET-KEY-1... line", file)
}

// askSecret prompts on the terminal and reads a line without echo.
func askSecret(env Env, prompt string) (string, error) {
	tty, err := openTerminal()
	if err != nil {
		return "", usageErr("no terminal to ask for the passphrase on; give --passphrase-file FILE or set TESSERA_PASSPHRASE_FILE")
	}
	defer tty.Close()
	fmt.Fprint(env.Stderr, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", usageErr("reading from the terminal: %v", err)
	}
	s := string(b)
	clear(b)
	if s == "" {
		return "", usageErr("nothing entered")
	}
	return s, nil
}

// newPassphrase reads a new passphrase: from file if given, else twice from
// the terminal; howToGive says which option gives the file, for the
// message when there is no terminal. It must pass [vault.CheckPassphrase], the rule
// the window applies too.
func newPassphrase(env Env, file, howToGive string) (string, error) {
	var p1 string
	if file != "" {
		p, err := readSecretFile(file)
		if err != nil {
			return "", err
		}
		p1 = p
	} else {
		if !haveTerminal() {
			return "", usageErr("no terminal to ask for the new passphrase on; %s", howToGive)
		}
		p, err := askSecret(env, "New passphrase: ")
		if err != nil {
			return "", err
		}
		p2, err := askSecret(env, "Repeat the passphrase: ")
		if err != nil {
			return "", err
		}
		if p != p2 {
			return "", usageErr("the two passphrases differ; nothing was changed")
		}
		p1 = p
	}
	if err := vault.CheckPassphrase(p1); err != nil {
		return "", usageErr("%v; nothing was changed", err)
	}
	if n := len([]rune(p1)); n < 12 {
		fmt.Fprintf(env.Stderr, "tessera: warning: a %d-character passphrase is weak against guessing if the vault files are stolen; several random words are better\n", n)
	}
	return p1, nil
}

// haveTerminal reports whether there is a terminal to ask on.
func haveTerminal() bool {
	tty, err := openTerminal()
	if err != nil {
		return false
	}
	tty.Close()
	return true
}

// vaultErr gives a vault error its exit code.
func vaultErr(err error) error {
	var ve *vault.VersionError
	var de *vault.DuplicateError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, vault.ErrWrongKey), errors.Is(err, vault.ErrKeyRequired), errors.Is(err, errCeremony):
		return exit(ExitAuth, err)
	case errors.Is(err, vault.ErrDamaged):
		return exit(ExitDamaged, err)
	case errors.Is(err, vault.ErrBusy):
		return exit(ExitBusy, err)
	case errors.Is(err, vault.ErrStorage):
		return exit(ExitStorage, err)
	case errors.As(err, &ve), errors.As(err, &de):
		return exit(ExitUsage, err)
	case errors.Is(err, fs.ErrNotExist):
		return exit(ExitNotFound, fmt.Errorf("%w; create one with tessera init, or give --vault DIR", err))
	case errors.Is(err, vault.ErrNotFound):
		return exit(ExitNotFound, err)
	}
	return exit(ExitUsage, err)
}

// unlockEntry unlocks the vault and finds the one entry matching query, for
// the verbs that act on one entry. The caller locks the vault when done.
func (f *vaultFlags) unlockEntry(env Env, verb, query string) (*vault.Vault, vault.Entry, error) {
	v, err := f.unlock(env, verb, false)
	if err != nil {
		return nil, vault.Entry{}, err
	}
	e, err := findOne(env, v, query)
	if err != nil {
		v.Lock()
		return nil, vault.Entry{}, err
	}
	return v, e, nil
}

// findOne returns the one entry matching query: exit 1 when none does, exit
// 2 listing them when several do and none is an exact match.
func findOne(env Env, v *vault.Vault, query string) (vault.Entry, error) {
	if query == "" {
		return vault.Entry{}, usageErr("the query is empty")
	}
	found := v.Find(query)
	switch len(found) {
	case 0:
		return vault.Entry{}, exit(ExitNotFound, fmt.Errorf("no entry matches %q", query))
	case 1:
		return found[0], nil
	}
	// An exact issuer (or issuer: account) wins over partial matches:
	// "git" is Git, not GitHub or GitLab.
	var exact []vault.Entry
	for _, e := range found {
		if strings.EqualFold(e.Issuer, strings.TrimSpace(query)) || strings.EqualFold(e.Label(), strings.TrimSpace(query)) {
			exact = append(exact, e)
		}
	}
	if len(exact) == 1 {
		return exact[0], nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d entries match %q; give more of the name, or the ID:", len(found), query)
	for _, e := range found {
		fmt.Fprintf(&b, "\n  %s  %s (%s)", e.ID, shownLabel(&e), e.KindName())
	}
	return vault.Entry{}, exit(ExitUsage, errors.New(b.String()))
}

// onlyArg returns the single positional argument a verb takes.
func onlyArg(pos []string, name string) (string, error) {
	switch len(pos) {
	case 0:
		return "", usageErr("give %s", name)
	case 1:
		return pos[0], nil
	}
	return "", usageErr("give one %s, got %d arguments (quote a name with spaces)", name, len(pos))
}

// noArgs refuses positional arguments.
func noArgs(pos []string) error {
	if len(pos) > 0 {
		return usageErr("unexpected argument %q", pos[0])
	}
	return nil
}

// formatTime prints a time for people, in the local zone.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

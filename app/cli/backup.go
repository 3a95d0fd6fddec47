package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"golang.org/x/term"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/sync/backup"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func runBackup(env Env, args []string) error {
	fs := newFlags(env, "backup", "--out FILE|- [--recipient R]... [--recipients-file F]... [--armor] [--vault DIR]\n"+
		"Writes the whole vault as one age file (docs/backup-format.md), which the stock age tool decrypts.\n"+
		"With no recipient it is encrypted with a backup passphrase, asked twice (or --backup-passphrase-file).")
	out := fs.String("out", "", "the backup `FILE` to write (a new file), or - for standard output")
	var recips, recipFiles stringList
	fs.Var(&recips, "recipient", "encrypt to `R`: an age public key (age1...), an age plugin recipient, or an ssh-ed25519/ssh-rsa public key (repeatable)")
	fs.Var(&recipFiles, "recipients-file", "encrypt to the recipients in `FILE`, one a line, # comments (as age -R; a GitHub .keys file works; repeatable)")
	passFile := fs.String("backup-passphrase-file", "", "read the backup passphrase from the first line of `FILE`")
	armor := fs.Bool("armor", false, "write the text (PEM-like) form of age files")
	withLog := fs.Bool("audit-log", false, "include the login approvals' audit log")
	vf := addVaultFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *out == "" {
		return usageErr("give --out FILE (or --out - for standard output)")
	}
	opts := backup.Options{Armor: *armor, WorkFactor: vaultOpts.WorkFactor}
	for _, r := range recips {
		rec, err := backup.ParseRecipient(r, nil)
		if err != nil {
			return usageErr("--recipient %s: %v", clipArg(r), err)
		}
		opts.Recipients = append(opts.Recipients, rec)
	}
	for _, name := range recipFiles {
		fh, err := os.Open(name)
		if err != nil {
			return usageErr("--recipients-file: %v", err)
		}
		recs, warns, err := backup.ParseRecipients(fh, name, nil)
		fh.Close()
		for _, w := range warns {
			fmt.Fprintf(env.Stderr, "tessera backup: warning: %s\n", w)
		}
		if err != nil {
			return usageErr("--recipients-file: %v", err)
		}
		opts.Recipients = append(opts.Recipients, recs...)
	}
	if len(opts.Recipients) > 0 && *passFile != "" {
		return usageErr("give recipients or --backup-passphrase-file, not both: age encrypts a file with a passphrase or to keys")
	}
	if *out != "-" {
		if _, err := os.Lstat(*out); err == nil {
			return usageErr("%s exists; give a new file name", *out)
		}
	} else if f, ok := env.Stdout.(*os.File); ok && !*armor && term.IsTerminal(int(f.Fd())) {
		return usageErr("standard output is a terminal: give --out FILE, redirect it, or add --armor")
	}
	v, err := vf.unlock(env, "backup", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	if len(opts.Recipients) == 0 {
		if *passFile != "" {
			opts.Passphrase, err = readSecretFile(*passFile)
		} else {
			opts.Passphrase, err = newBackupPassphrase(env)
		}
		if err != nil {
			return err
		}
	}
	now := time.Now()
	file := &backup.File{Created: now, App: "tessera " + strings.TrimPrefix(Version, "v"), Entries: v.Entries()}
	if *withLog {
		recs, err := approve.ReadLog(v)
		if err != nil {
			return vaultErr(fmt.Errorf("reading the audit log: %w", err))
		}
		if recs == nil {
			recs = []approve.Record{}
		}
		if file.AuditLog, err = json.Marshal(recs); err != nil {
			return err
		}
	}
	if *out == "-" {
		if err := backup.Write(env.Stdout, file, opts); err != nil {
			return exit(ExitUsage, err)
		}
	} else {
		if err := writeBackupFile(*out, file, opts); err != nil {
			return exit(ExitUsage, err)
		}
		fmt.Fprintf(env.Stderr, "tessera backup: wrote %s (%s)\n", *out, countEntries(len(file.Entries)))
	}
	// The reminder to back up counts this backup.
	if s, err := backup.LoadSettings(v); err == nil {
		s.LastGood, s.LastPath = now.UTC(), ""
		if *out != "-" {
			s.LastPath, _ = filepath.Abs(*out)
		}
		if err := backup.SaveSettings(v, s); err != nil {
			fmt.Fprintf(env.Stderr, "tessera backup: warning: the backup was written but its time was not recorded: %v\n", err)
		}
	}
	return nil
}

// writeBackupFile writes a backup to a new file only its owner can read,
// removing it again on error.
func writeBackupFile(name string, file *backup.File, opts backup.Options) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = backup.Write(f, file, opts)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

// newBackupPassphrase asks for a backup passphrase twice on the terminal.
func newBackupPassphrase(env Env) (string, error) {
	p1, err := askSecret(env, "Backup passphrase: ")
	if err != nil {
		return "", err
	}
	p2, err := askSecret(env, "Repeat the backup passphrase: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", usageErr("the two passphrases differ; nothing was written")
	}
	return p1, nil
}

// backupIdentities returns what opens the backup whose first bytes are
// head: the identity files given, else a backup passphrase from file or
// the terminal when the backup was made with one.
func backupIdentities(env Env, head []byte, idFiles []string, passFile string) ([]age.Identity, error) {
	if backup.NeedsPassphrase(head) {
		if len(idFiles) > 0 {
			return nil, usageErr("this backup is encrypted with a passphrase, not to keys: give --backup-passphrase-file FILE or type it")
		}
		var pass string
		var err error
		if passFile != "" {
			pass, err = readSecretFile(passFile)
		} else {
			pass, err = askSecret(env, "Backup passphrase: ")
		}
		if err != nil {
			return nil, err
		}
		id, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, exit(ExitAuth, backup.ErrWrongKey)
		}
		return []age.Identity{id}, nil
	}
	if len(idFiles) == 0 {
		return nil, usageErr("this backup is encrypted to keys: give --identity FILE (an age-keygen key file or an SSH private key)")
	}
	var ids []age.Identity
	for _, name := range idFiles {
		fh, err := os.Open(name)
		if err != nil {
			return nil, usageErr("--identity: %v", err)
		}
		got, err := backup.ParseIdentities(fh, name)
		fh.Close()
		if err != nil {
			return nil, usageErr("--identity: %v", err)
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

// backupErr gives an error of reading a backup its exit code.
func backupErr(name string, err error) error {
	var ve *backup.VersionError
	switch {
	case errors.Is(err, backup.ErrWrongKey):
		return exit(ExitAuth, fmt.Errorf("%s: %w", name, err))
	case errors.Is(err, backup.ErrDamaged):
		return exit(ExitDamaged, fmt.Errorf("%s: %w", name, err))
	case errors.As(err, &ve), errors.Is(err, backup.ErrFormat):
		return exit(ExitUsage, fmt.Errorf("%s: %w", name, err))
	}
	return exit(ExitUsage, fmt.Errorf("%s: %w", name, err))
}

// clipArg shortens an argument quoted in a message.
func clipArg(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// countEntries returns "1 entry", "2 entries".
func countEntries(n int) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

package cli

import (
	"bufio"
	"fmt"
	"os"

	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

func runRestoreBackup(env Env, args []string) error {
	fs := newFlags(env, "restore-backup", "FILE [--identity KEYFILE]... [--dry-run] [--vault DIR]\n"+
		"Merges a backup written by tessera backup into the vault, or into a new vault when DIR holds none,\n"+
		"and says what it added, changed and skipped. A HOTP counter never goes down.")
	var idFiles stringList
	fs.Var(&idFiles, "identity", "decrypt with the key in `KEYFILE`: an age-keygen file or an ssh-ed25519/ssh-rsa private key (repeatable)")
	passFile := fs.String("backup-passphrase-file", "", "read the backup passphrase from the first line of `FILE` (default: ask)")
	dryRun := fs.Bool("dry-run", false, "say what the restore would do, and change nothing")
	vf := addVaultFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	name, err := onlyArg(pos, "the backup file")
	if err != nil {
		return err
	}

	// The backup is read before the vault is touched.
	fh, err := os.Open(name)
	if err != nil {
		return usageErr("%v", err)
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 4096)
	head, _ := br.Peek(1024)
	ids, err := backupIdentities(env, head, idFiles, *passFile)
	if err != nil {
		return err
	}
	file, err := backup.Read(br, ids...)
	if err != nil {
		return backupErr(name, err)
	}
	defer func() {
		for i := range file.Entries {
			clear(file.Entries[i].OTP.Secret)
			clear(file.Entries[i].Token.Value)
		}
	}()
	fmt.Fprintf(env.Stderr, "tessera restore-backup: %s holds %s, backed up %s\n", name, countEntries(len(file.Entries)), formatTime(file.Created))

	v, created, err := openOrCreate(env, vf, *dryRun)
	if err != nil {
		return err
	}
	if v != nil {
		defer v.Lock()
	}
	var current []vault.Entry
	if v != nil {
		current = v.Entries()
	}
	steps := backup.Plan(current, file)
	for _, s := range steps {
		switch s.Action {
		case backup.Add:
			fmt.Fprintf(env.Stdout, "add      %s  %s (%s)\n", s.Entry.ID, s.Entry.Label(), s.Entry.KindName())
		case backup.Change:
			fmt.Fprintf(env.Stdout, "change   %s  %s: %s\n", s.Entry.ID, s.Entry.Label(), s.Why)
		case backup.Counter:
			fmt.Fprintf(env.Stdout, "counter  %s  %s: %s; counter raised to %d\n", s.Entry.ID, s.Entry.Label(), s.Why, s.Entry.OTP.Counter)
		case backup.Skip:
			fmt.Fprintf(env.Stdout, "skip     %s  %s: %s\n", s.Entry.ID, s.Entry.Label(), s.Why)
		}
	}
	n := backup.Count(steps)
	summary := fmt.Sprintf("%d added, %d changed, %d counters raised, %d skipped", n[backup.Add], n[backup.Change], n[backup.Counter], n[backup.Skip])
	if *dryRun {
		fmt.Fprintf(env.Stderr, "tessera restore-backup: dry run, nothing changed: %s\n", summary)
		return nil
	}
	if err := backup.Apply(v, steps); err != nil {
		return vaultErr(err)
	}
	if err := v.Save(); err != nil {
		return vaultErr(fmt.Errorf("nothing was restored: %w", err))
	}
	where := ""
	if created {
		where = " into the new vault " + v.Dir()
	}
	fmt.Fprintf(env.Stderr, "tessera restore-backup: restored%s: %s\n", where, summary)
	return nil
}

// openOrCreate unlocks the vault the flags name, or creates it (printing
// its recovery code) when the folder holds none. In a dry run a missing
// vault is not created and nil is returned.
func openOrCreate(env Env, vf *vaultFlags, dryRun bool) (*vault.Vault, bool, error) {
	dir, err := vf.path(env)
	if err != nil {
		return nil, false, err
	}
	if _, err := vault.Open(dir, &vaultOpts); !isNoVault(err) {
		if err != nil {
			return nil, false, vaultErr(err)
		}
		v, err := vf.unlock(env, "restore-backup", false)
		return v, false, err
	}
	if dryRun {
		fmt.Fprintf(env.Stderr, "tessera restore-backup: %s holds no vault; the restore would create one\n", dir)
		return nil, false, nil
	}
	file := vf.passFile
	if file == "" {
		file = env.Getenv("TESSERA_PASSPHRASE_FILE")
	}
	fmt.Fprintf(env.Stderr, "tessera restore-backup: %s holds no vault: creating one; choose its passphrase\n", dir)
	pass, err := newPassphrase(env, file, "give --passphrase-file FILE or set TESSERA_PASSPHRASE_FILE")
	if err != nil {
		return nil, false, err
	}
	v, code, err := vault.Create(dir, pass, &vaultOpts)
	if err != nil {
		return nil, false, vaultErr(err)
	}
	fmt.Fprintf(env.Stderr, `Created a vault in %s.

Recovery code (shown only now):

    %s

It opens the vault without the passphrase (see tessera init). Write it down
and keep it away from this computer.

`, dir, code)
	return v, true, nil
}

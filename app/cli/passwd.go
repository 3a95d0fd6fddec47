package cli

import "fmt"

func runPasswd(env Env, args []string) error {
	fs := newFlags(env, "passwd", "[--recovery] [--new-passphrase-file FILE] [--rekey] [--vault DIR]\n"+
		"Unlocks with the current passphrase (or, with --recovery, the recovery code) and sets a new passphrase.\n"+
		"With --rekey, the vault also gets a new master key, so that a copy of the old passphrase slot opens nothing new.")
	vf := addVaultFlags(fs)
	newFile := fs.String("new-passphrase-file", "", "read the new passphrase from the first line of `FILE` (default: ask twice)")
	withRekey := fs.Bool("rekey", false, "also give the vault a new master key (as tessera rekey)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	v, err := vf.unlock(env, "passwd", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	pass, err := newPassphrase(env, *newFile, "give --new-passphrase-file FILE")
	if err != nil {
		return err
	}
	if err := v.SetPassphrase(pass); err != nil {
		return vaultErr(fmt.Errorf("the passphrase was not changed: %w", err))
	}
	fmt.Fprintln(env.Stdout, "passphrase changed; the recovery code still works")
	if *withRekey {
		vf.pass = pass
		return rekey(env, v, vf)
	}
	fmt.Fprintln(env.Stdout, "whoever kept a copy of the old passphrase slot can still open the vault with the old passphrase: tessera rekey (or passwd --rekey) changes the master key")
	return nil
}

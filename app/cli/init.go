package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/tessera-auth/tessera/vault"
)

func runInit(env Env, args []string) error {
	flags := newFlags(env, "init", "[--vault DIR] [--passphrase-file FILE]")
	vf := addVaultDirFlag(flags)
	flags.StringVar(&vf.passFile, "passphrase-file", "", "read the new passphrase from the first line of `FILE` (default $TESSERA_PASSPHRASE_FILE, else ask twice)")
	pos, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	dir, err := vf.path(env)
	if err != nil {
		return err
	}
	_, err = vault.Open(dir, &vaultOpts)
	interrupted := errors.Is(err, vault.ErrIncomplete)
	if !isNoVault(err) && !interrupted {
		if err == nil {
			return usageErr("%s already holds a vault", dir)
		}
		return vaultErr(err)
	}
	file := vf.passFile
	if file == "" {
		file = env.Getenv("TESSERA_PASSPHRASE_FILE")
	}
	pass, err := newPassphrase(env, file, "give --passphrase-file FILE or set TESSERA_PASSPHRASE_FILE")
	if err != nil {
		return err
	}
	v, code, err := vault.Create(dir, pass, &vaultOpts)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe) && !errors.Is(err, vault.ErrBusy):
		// The folder cannot be made or written: bad input, not a
		// missing vault to create with init.
		return usageErr("cannot create a vault in %s: %v; give --vault a folder you can write to", dir, pe.Err)
	case err != nil:
		return vaultErr(err)
	}
	defer v.Lock()
	if interrupted {
		fmt.Fprintf(env.Stdout, "An interrupted tessera init had left files in %s, holding no entries: they were removed, and the vault made anew.\n", dir)
	}
	fmt.Fprintf(env.Stdout, `Created a vault in %s.

Recovery code (shown only now):

    %s

It opens the vault without the passphrase: give --recovery to any tessera
command, or use the stock age tool (README, "Recovery without Tessera"). Write it down or
print it, and keep it away from this computer: anyone who has it and the
vault files can read every secret in the vault.
`, dir, code)
	return nil
}

// isNoVault reports whether err says that a folder holds no vault.
func isNoVault(err error) bool {
	return err != nil && errors.Is(err, fs.ErrNotExist) && !errors.Is(err, vault.ErrDamaged)
}

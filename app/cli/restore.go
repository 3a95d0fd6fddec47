package cli

import (
	"fmt"
	"strings"
)

func runRestore(env Env, args []string) error {
	fs := newFlags(env, "restore", "ID [--vault DIR]\nBrings back the backup ID (see tessera backups); the body it replaces becomes a backup itself,\n"+
		"or, if damaged, backups/damaged-TIME.age in the vault folder (the newest 3 of those are kept).")
	vf := addVaultFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := onlyArg(pos, "the ID of a backup (see tessera backups)")
	if err != nil {
		return err
	}
	if strings.Trim(id, "0123456789") != "" {
		return usageErr("%q is not a backup ID: IDs are numbers, as tessera backups lists them", id)
	}
	v, err := vf.unlock(env, "restore", true)
	if err != nil {
		return err
	}
	defer v.Lock()
	if err := v.Restore(id); err != nil {
		return vaultErr(err)
	}
	fmt.Fprintf(env.Stdout, "restored backup %s: %d entries\n", id, len(v.Entries()))
	if bs, err := v.Backups(); err == nil && len(bs) > 0 && bs[0].ID != id {
		fmt.Fprintf(env.Stdout, "the body it replaced is backup %s\n", bs[0].ID)
	}
	return nil
}

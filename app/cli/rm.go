package cli

import "fmt"

func runRm(env Env, args []string) error {
	fs := newFlags(env, "rm", "QUERY [--vault DIR]")
	vf := addVaultFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	query, err := onlyArg(pos, "QUERY (part of the issuer or account, or an ID)")
	if err != nil {
		return err
	}
	v, e, err := vf.unlockEntry(env, "rm", query)
	if err != nil {
		return err
	}
	defer v.Lock()
	if err := v.Delete(e.ID); err != nil {
		return vaultErr(err)
	}
	if err := v.Save(); err != nil {
		return vaultErr(fmt.Errorf("nothing was removed: %w", err))
	}
	fmt.Fprintf(env.Stdout, "removed %s  %s (%s)\n", e.ID, shownLabel(&e), e.KindName())
	// Only a backup that opens and holds the entry is named.
	if b, ok := v.BackupWith(e.ID); ok {
		fmt.Fprintf(env.Stdout, "backup %s still holds it: tessera restore %s brings it back\n", b.ID, b.ID)
	}
	return nil
}

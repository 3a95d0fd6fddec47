package cli

import (
	"flag"
	"fmt"
)

func runRename(env Env, args []string) error {
	fs := newFlags(env, "rename", "QUERY [--issuer I] [--account A] [--vault DIR]")
	vf := addVaultFlags(fs)
	issuer := fs.String("issuer", "", "the new issuer (or token name)")
	account := fs.String("account", "", "the new account")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	query, err := onlyArg(pos, "QUERY (part of the issuer or account, or an ID)")
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["issuer"] && !given["account"] {
		return usageErr("give --issuer, --account or both")
	}
	v, e, err := vf.unlockEntry(env, "rename", query)
	if err != nil {
		return err
	}
	defer v.Lock()
	old := shownLabel(&e)
	if given["issuer"] {
		e.Issuer = *issuer
	}
	if given["account"] {
		e.Account = *account
	}
	if err := v.Update(e); err != nil {
		return vaultErr(err)
	}
	if err := v.Save(); err != nil {
		return vaultErr(fmt.Errorf("nothing was renamed: %w", err))
	}
	fmt.Fprintf(env.Stdout, "renamed %s  %s -> %s\n", e.ID, old, shownLabel(&e))
	return nil
}

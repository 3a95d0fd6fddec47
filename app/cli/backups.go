package cli

import (
	"fmt"
	"text/tabwriter"
)

func runBackups(env Env, args []string) error {
	fs := newFlags(env, "backups", "[--vault DIR]\nLists the vault's backups, newest first; needs no passphrase.")
	vf := addVaultDirFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	v, err := vf.open(env)
	if err != nil {
		return err
	}
	bs, err := v.Backups()
	if err != nil {
		return vaultErr(err)
	}
	if len(bs) == 0 {
		fmt.Fprintln(env.Stderr, "tessera backups: no backups yet (each save keeps the body it replaces)")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%d bytes\n", b.ID, formatTime(b.Saved), b.Size)
	}
	return tw.Flush()
}

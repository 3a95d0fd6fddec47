package cli

import (
	"fmt"
	"text/tabwriter"
)

func runSlots(env Env, args []string) error {
	fs := newFlags(env, "slots", "[--vault DIR]\nLists the ways to unlock the vault; needs no passphrase (the unlock flags\nevery verb takes are accepted and not used).")
	vf := addVaultFlags(fs)
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
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, s := range v.Slots() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, s.File, formatTime(s.Created), cell(s.Label))
	}
	return tw.Flush()
}

package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"text/tabwriter"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// runSync is "tessera sync --folder DIR" (merge with the other devices'
// files in DIR and publish this one's; join as a new device when the vault
// folder holds no vault yet) and "tessera sync devices --folder DIR".
func runSync(env Env, args []string) error {
	fs := newFlags(env, "sync", "--folder DIR [--vault DIR] [--name NAME] | devices --folder DIR | history QUERY [--restore N]")
	vf := addVaultFlags(fs)
	dir := fs.String("folder", "", "the sync `folder` that Syncthing, Nextcloud, Dropbox or the like replicates (required)")
	name := fs.String("name", "", "this device's `name` as other devices list it (default: the one given before, else the host name)")
	restore := fs.Int("restore", -1, "with history: make version `N` of the entry its current one (the next sync publishes it)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	devices := false
	switch {
	case len(pos) > 0 && pos[0] == "history":
		query, err := onlyArg(pos[1:], "QUERY (part of the issuer or account, or an ID)")
		if err != nil {
			return err
		}
		return syncHistory(env, vf, query, *restore)
	case len(pos) == 1 && pos[0] == "devices":
		devices = true
	case len(pos) > 0:
		return usageErr("unexpected argument %q (the sub-commands are devices and history)", pos[0])
	}
	if *dir == "" {
		return usageErr("give --folder DIR, the folder the sync tool replicates")
	}
	if devices {
		return syncDevices(env, vf, *dir)
	}
	vdir, err := vf.path(env)
	if err != nil {
		return err
	}
	var v *vault.Vault
	if _, err := vault.Open(vdir, &vaultOpts); isNoVault(err) {
		if v, err = syncJoin(env, vf, *dir, vdir); err != nil {
			return err
		}
	} else if v, err = vf.unlock(env, "sync", false); err != nil {
		return err
	}
	defer v.Lock()
	rep, err := folder.Sync(v, *dir, &folder.Options{Name: *name})
	if err != nil {
		return syncErr(err)
	}
	if rep.Cloned != "" {
		fmt.Fprintf(env.Stderr, "tessera sync: warning: another copy of this vault syncs as device %s too (a vault folder copied instead of joined with --vault NEWDIR?); this one continues as device %s\n", rep.Cloned, rep.Device.ID)
	}
	fmt.Fprintf(env.Stdout, "synced %s as %q (device %s): %d sent, %d added, %d updated, %d deleted\n",
		*dir, rep.Device.Name, rep.Device.ID, rep.Sent, rep.Added, rep.Updated, rep.Deleted)
	for _, c := range rep.Conflicts {
		fmt.Fprintf(env.Stdout, "conflict: %s\n", describeConflict(c))
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(env.Stderr, "tessera sync: warning: skipped %s\n", p)
	}
	return nil
}

// syncJoin makes a new vault in vdir from the keys in the sync folder,
// with the passphrase or recovery code.
func syncJoin(env Env, vf *vaultFlags, dir, vdir string) (*vault.Vault, error) {
	id, err := vf.identity(env)
	if err != nil {
		return nil, err
	}
	v, err := folder.Join(dir, vdir, id, &vaultOpts)
	switch {
	case errors.Is(err, folder.ErrNoKeys):
		return nil, exit(ExitNotFound, fmt.Errorf("%s: %w", dir, err))
	case err != nil:
		return nil, syncErr(err)
	}
	fmt.Fprintf(env.Stdout, "joined: a new vault in %s, opened by the same passphrase and recovery code as the others\n", vdir)
	return v, nil
}

// identity returns the age identity of the passphrase or recovery code the
// flags name, for a join, where there is no vault to unlock yet.
func (f *vaultFlags) identity(env Env) (age.Identity, error) {
	var code string
	var err error
	switch {
	case f.recoveryFile != "":
		code, err = readRecoveryFile(f.recoveryFile)
	case f.recovery:
		code, err = askSecret(env, "Recovery code: ")
	default:
		pass, err := f.passphrase(env, "Passphrase: ")
		if err != nil {
			return nil, err
		}
		return age.NewScryptIdentity(pass)
	}
	if err != nil {
		return nil, err
	}
	id, err := vault.ParseRecoveryCode(code)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return id, nil
}

// syncErr gives a sync error its exit code: a missing sync folder is bad
// usage, the rest are the vault's.
func syncErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, vault.ErrDamaged) {
		return usageErr("%v", err)
	}
	return vaultErr(err)
}

// describeConflict says what a person needs to know of a conflict.
func describeConflict(c folder.Conflict) string {
	what := func(ch folder.Change) string {
		verb := "changed"
		if ch.Deleted {
			verb = "deleted"
		}
		return fmt.Sprintf("%s on %s at %s", verb, deviceName(ch), formatTime(ch.At))
	}
	return fmt.Sprintf("%s was %s and %s, neither knowing of the other; the later change (%s) was kept, the other is in the entry's history",
		c.Label, what(c.Loser), what(c.Winner), deviceName(c.Winner))
}

func deviceName(ch folder.Change) string {
	if ch.Name != "" {
		return ch.Name
	}
	return "device " + ch.Device
}

// syncDevices lists the devices syncing through dir.
func syncDevices(env Env, vf *vaultFlags, dir string) error {
	v, err := vf.unlock(env, "sync", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	this, list, problems, err := folder.Devices(v, dir)
	if err != nil {
		return syncErr(err)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DEVICE\tNAME\tLAST SEEN\t")
	for _, d := range list {
		mark := ""
		if d.ID == this {
			mark = "(this device)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID, d.Name, formatTime(d.Seen.Time()), mark)
	}
	tw.Flush()
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "tessera sync: warning: skipped %s\n", p)
	}
	if len(list) == 0 {
		return exit(ExitNotFound, fmt.Errorf("no device has synced through %s yet", dir))
	}
	return nil
}

// syncHistory lists the versions sync kept of one entry (the entry matching
// query, or a deleted one by its ID), or restores one.
func syncHistory(env Env, vf *vaultFlags, query string, restore int) error {
	v, err := vf.unlock(env, "sync", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	id := query
	if found := v.Find(query); len(found) > 0 || !isEntryID(query) {
		e, err := findOne(env, v, query)
		if err != nil {
			return err
		}
		id = e.ID
	}
	hist, err := folder.History(v, id)
	if err != nil {
		return vaultErr(err)
	}
	if len(hist) == 0 {
		return exit(ExitNotFound, fmt.Errorf("no history of %s: sync keeps it from the first tessera sync on", query))
	}
	if restore >= 0 {
		if restore >= len(hist) {
			return usageErr("--restore %d: the history of %s has versions 0 to %d", restore, id, len(hist)-1)
		}
		h := hist[restore]
		switch {
		case h.Current:
			return usageErr("--restore %d: that is the current version", restore)
		case h.Entry.Deleted:
			return usageErr("--restore %d: that version is a deletion; use tessera rm to delete", restore)
		}
		if err := v.Update(h.Entry); err != nil {
			return vaultErr(err)
		}
		if err := v.Save(); err != nil {
			return vaultErr(fmt.Errorf("nothing was restored: %w", err))
		}
		fmt.Fprintf(env.Stdout, "restored version %d of %s: %s; the next tessera sync publishes it\n", restore, id, h.Entry.Label())
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "N\tWHEN\tDEVICE\tVERSION\t")
	for i, h := range hist {
		what := h.Entry.Label()
		switch {
		case h.Entry.Deleted:
			what = "(deleted)"
		case h.Entry.Note != "":
			what += "  note: " + h.Entry.Note
		}
		mark := ""
		switch {
		case h.Current:
			mark = "(current)"
		case h.Conflict:
			mark = "(lost a conflict)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i, formatTime(h.Change.At), deviceName(h.Change), what, mark)
	}
	return tw.Flush()
}

// isEntryID reports whether s has the form of an entry ID.
func isEntryID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

package cli

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"text/tabwriter"

	"filippo.io/age"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// runSync is "tessera sync --folder DIR" (merge with the other devices'
// files in DIR and publish this one's; join as a new device when the vault
// folder holds no vault yet) and "tessera sync devices --folder DIR".
func runSync(env Env, args []string) error {
	fs := newFlags(env, "sync", "--folder DIR [--vault DIR] [--name NAME] [--security-key] | devices --folder DIR |\n"+
		"    devices revoke NAME|ID --folder DIR [--yes] [--new-passphrase | --new-passphrase-file FILE] | history QUERY [--restore N]")
	vf := addVaultFlags(fs)
	dir := fs.String("folder", "", "the sync `folder` that Syncthing, Nextcloud, Dropbox or the like replicates (required)")
	name := fs.String("name", "", "this device's `name` as other devices list it (default: the one given before, else the host name)")
	restore := fs.Int("restore", -1, "with history: make version `N` of the entry its current one (the next sync publishes it)")
	rf := revokeFlags{
		yes:      fs.Bool("yes", false, "with devices revoke: do it (without, it says what it would do)"),
		newPass:  fs.Bool("new-passphrase", false, "with devices revoke: also change the passphrase (asked twice), in the same step"),
		passFile: fs.String("new-passphrase-file", "", "with devices revoke: also change the passphrase to the first line of `FILE`"),
	}
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
	case len(pos) > 1 && pos[0] == "devices" && pos[1] == "revoke":
		who, err := onlyArg(pos[2:], "NAME|ID (of the device to revoke, as tessera sync devices lists it)")
		if err != nil {
			return err
		}
		if *dir == "" {
			return usageErr("give --folder DIR, the folder the sync tool replicates")
		}
		return syncRevoke(env, vf, *dir, who, rf)
	case len(pos) == 1 && pos[0] == "devices":
		devices = true
	case len(pos) > 0:
		return usageErr("unexpected argument %q (the sub-commands are devices, devices revoke and history)", pos[0])
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
	opts := &folder.Options{Name: *name}
	rep, err := folder.Sync(v, *dir, opts)
	var kc *folder.KeyChangedError
	if errors.As(err, &kc) {
		if err := adoptKeys(env, vf, v, kc); err != nil {
			return err
		}
		rep, err = folder.Sync(v, *dir, opts)
	}
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
	printProblems(env, rep)
	return nil
}

// adoptKeys takes the newer master key of kc into v in place, with what
// opens the new keys: the passphrase v was unlocked with if it still does,
// else the passphrase, recovery code or security key the flags name (asked
// for once).
func adoptKeys(env Env, vf *vaultFlags, v *vault.Vault, kc *folder.KeyChangedError) error {
	fmt.Fprintf(env.Stderr, "tessera sync: %v\n", kc)
	if vf.pass != "" {
		id, _ := age.NewScryptIdentity(vf.pass)
		err := v.AdoptKeys(kc.Keys, id)
		if err == nil {
			fmt.Fprintln(env.Stdout, "this device took the vault's new master key (the passphrase is unchanged)")
			return nil
		}
		if !errors.Is(err, vault.ErrWrongKey) {
			return vaultErr(err)
		}
		if vf.passFile != "" || env.Getenv("TESSERA_PASSPHRASE_FILE") != "" {
			return exit(ExitAuth, fmt.Errorf("the passphrase given does not open the new keys: it was changed on %s; give the new one (--passphrase-file FILE): %w",
				cmp.Or(kc.Name, "device "+kc.Device), vault.ErrWrongKey))
		}
	}
	id, err := keysIdentity(env, vf, kc.Keys, v, "Passphrase of the new keys (changed on "+cmp.Or(kc.Name, "device "+kc.Device)+"?): ")
	if err != nil {
		return err
	}
	if err := v.AdoptKeys(kc.Keys, id); err != nil {
		return vaultErr(fmt.Errorf("this device kept its master key: %w", err))
	}
	fmt.Fprintln(env.Stdout, "this device took the vault's new master key; it now opens with what opens the new keys")
	return nil
}

// keysIdentity returns the identity that should open a slot of keys: a
// security key's (through its ceremony in the browser) with
// --security-key, else the passphrase or recovery code. v, if not nil,
// gives the WebAuthn user handle when keys carry none.
func keysIdentity(env Env, vf *vaultFlags, keys []byte, v *vault.Vault, prompt string) (age.Identity, error) {
	if !vf.securityKey {
		return vf.identity(env, prompt)
	}
	slots, err := vault.ParseKeys(keys)
	if err != nil {
		return nil, vaultErr(err)
	}
	var enrolled []vault.SecurityKey
	withPass := map[string]bool{}
	for _, s := range slots {
		if k, err := s.SecurityKey(); err == nil {
			enrolled = append(enrolled, k)
			withPass[string(k.CredentialID)] = s.Kind == vault.SlotPassphraseKey
		}
	}
	if len(enrolled) == 0 {
		return nil, exit(ExitAuth, fmt.Errorf("%w: the folder's keys hold no security key: use the passphrase or --recovery", errCeremony))
	}
	user, err := vault.KeysUser(keys)
	if err != nil {
		return nil, vaultErr(err)
	}
	if user == nil && v != nil {
		if user, err = v.WebAuthnUser(); err != nil {
			return nil, vaultErr(err)
		}
	}
	if user == nil {
		return nil, exit(ExitAuth, fmt.Errorf("%w: the folder's keys were written by an older Tessera: sync the device that enrolled the key once with this one first", errCeremony))
	}
	res, err := keyCeremony(env, func(cs *webauthn.Ceremonies) (*webauthn.Ceremony, error) { return cs.BeginUnlock(user, enrolled) })
	if err != nil {
		return nil, vaultErr(err)
	}
	if !withPass[string(res.Key.CredentialID)] {
		return res.Identity, nil
	}
	pass, err := askSecret(env, "Passphrase of this key: ")
	if err != nil {
		return nil, err
	}
	return vault.KeyAndPassphrase(res.Identity, pass)
}

// syncJoin makes a new vault in vdir from the keys in the sync folder,
// with the passphrase, recovery code or security key.
func syncJoin(env Env, vf *vaultFlags, dir, vdir string) (*vault.Vault, error) {
	var id age.Identity
	var err error
	if vf.securityKey {
		keys, kerr := folder.CurrentKeys(dir)
		if errors.Is(kerr, folder.ErrNoKeys) {
			return nil, exit(ExitNotFound, fmt.Errorf("%s: %w", dir, kerr))
		}
		if kerr != nil {
			return nil, syncErr(kerr)
		}
		id, err = keysIdentity(env, vf, keys, nil, "")
	} else {
		id, err = vf.identity(env, "Passphrase: ")
	}
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
	fmt.Fprintf(env.Stdout, "joined: a new vault in %s, opened by the same passphrase, recovery code and security keys as the others\n", vdir)
	return v, nil
}

// identity returns the age identity of the passphrase or recovery code the
// flags name, for a join, where there is no vault to unlock yet.
func (f *vaultFlags) identity(env Env, prompt string) (age.Identity, error) {
	var code string
	var err error
	switch {
	case f.recoveryFile != "":
		code, err = readRecoveryFile(f.recoveryFile)
	case f.recovery:
		code, err = askSecret(env, "Recovery code: ")
	default:
		pass, err := f.passphrase(env, prompt)
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
// usage, a revoked device's sync is refused as a wrong key would be, the
// rest are the vault's.
func syncErr(err error) error {
	var re *folder.RevokedError
	switch {
	case errors.As(err, &re):
		return exit(ExitAuth, err)
	case errors.Is(err, fs.ErrNotExist) && !errors.Is(err, vault.ErrDamaged):
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
		switch {
		case d.ID == this:
			mark = "(this device)"
		case d.Revoked != nil:
			mark = "(revoked " + formatTime(d.Revoked.At.Time()) + ")"
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

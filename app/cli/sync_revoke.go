package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tessera-auth/tessera/sync/folder"
	"github.com/tessera-auth/tessera/vault"
)

// revokeFlags are the flags of "tessera sync devices revoke".
type revokeFlags struct {
	yes      *bool
	newPass  *bool
	passFile *string
}

// syncRevoke is "tessera sync devices revoke NAME|ID --folder DIR": without
// --yes it says what it would do; with it, it revokes the device in one
// step (folder.Revoke).
func syncRevoke(env Env, vf *vaultFlags, dir, who string, rf revokeFlags) error {
	if *rf.newPass && *rf.passFile != "" {
		return usageErr("give --new-passphrase or --new-passphrase-file, not both")
	}
	v, err := vf.unlock(env, "sync", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	d, this, err := folder.FindDevice(v, dir, who)
	switch {
	case errors.Is(err, folder.ErrNoDevice):
		return exit(ExitNotFound, err)
	case err != nil:
		return syncErr(err)
	case d.ID == this:
		return usageErr("%v", folder.ErrRevokeSelf)
	}
	label := fmt.Sprintf("%s (device %s, last seen %s)", cmpName(d), d.ID, formatTime(d.Seen.Time()))
	if !*rf.yes {
		fmt.Fprintf(env.Stdout, `Revoking %s will:
  - record in the sync folder that it is revoked: every device ignores its files from then on, and says so;
  - remove its files from the folder;
  - give the vault a new master key, so that it can read nothing written afterwards; your other devices
    take the new key at their next sync, with the passphrase (or recovery code, or security key).
It cannot take back what that device has already read. If its person knows the passphrase and can still
reach the folder, change the passphrase in the same step: add --new-passphrase (or --new-passphrase-file FILE).
`, label)
		return usageErr("nothing was changed: run again with --yes to revoke %s", cmpName(d))
	}
	opts := &folder.RevokeOptions{Rekey: vault.RekeyOptions{PluginUI: keyUI(env)}}
	if *rf.newPass || *rf.passFile != "" {
		if opts.NewPassphrase, err = newPassphrase(env, *rf.passFile, "give --new-passphrase-file FILE"); err != nil {
			return err
		}
	} else {
		pass := vf.pass
		if pass == "" {
			for _, s := range v.Slots() {
				if s.Kind == vault.SlotPassphrase || s.Kind == vault.SlotPassphraseKey {
					if pass, err = vf.passphrase(env, "Passphrase (to seal its slot to the new master key): "); err != nil {
						return fmt.Errorf("nothing was revoked: %w", err)
					}
					break
				}
			}
		}
		if pass != "" {
			opts.Rekey.Passphrases = []string{pass}
		}
	}
	res, err := folder.Revoke(v, dir, d.ID, opts)
	if err != nil {
		return syncErr(err)
	}
	fmt.Fprintf(env.Stdout, "revoked %s; removed from the folder: %d file(s)\n", label, len(res.Removed))
	if opts.NewPassphrase != "" {
		fmt.Fprintln(env.Stdout, "the passphrase was changed; the other devices take the new key with the new passphrase")
	}
	reportRekey(env, v, res.Rekey)
	fmt.Fprintf(env.Stdout, "synced %s: %s can read nothing written from now on\n", dir, cmpName(d))
	printProblems(env, res.Sync)
	return nil
}

// cmpName is a device's name, or its ID when it has none.
func cmpName(d folder.Device) string {
	if d.Name != "" {
		return fmt.Sprintf("%q", d.Name)
	}
	return "device " + d.ID
}

// printProblems prints the files a sync skipped: as warnings, but for the
// files of devices that have not taken a new master key yet, which are
// named on one line.
func printProblems(env Env, rep *folder.Report) {
	var behind []string
	for _, p := range rep.Problems {
		switch {
		case p.File == "":
			fmt.Fprintf(env.Stderr, "tessera sync: warning: %s\n", p)
			continue
		case !p.Behind:
			fmt.Fprintf(env.Stderr, "tessera sync: warning: skipped %s\n", p)
			continue
		}
		name := "device " + p.Device
		for _, o := range rep.Devices {
			if o.ID == p.Device {
				name = cmpName(o)
			}
		}
		behind = append(behind, name)
	}
	if len(behind) > 0 {
		fmt.Fprintf(env.Stdout, "to take the new key at their next sync (each asks for the passphrase, if it was changed): %s\n", strings.Join(behind, ", "))
	}
}

package cli

import (
	"fmt"

	"github.com/tessera-auth/tessera/sync/backup"
	"github.com/tessera-auth/tessera/vault"
)

func runRekey(env Env, args []string) error {
	fs := newFlags(env, "rekey", "[--vault DIR] [--security-key|--recovery]\n"+
		"Gives the vault a new master key: the body, backups and sealed files are encrypted to it and every way in\n"+
		"sealed to it again; the old master key and slot files are gone. Copies of the vault made before (backup\n"+
		"drives, other devices) stay readable with what opened them then. Other sync devices join again.")
	vf := addVaultFlags(fs)
	v, err := vf.parseUnlock(env, fs, args)
	if err != nil {
		return err
	}
	defer v.Lock()
	return rekey(env, v, vf)
}

// rekey gives the unlocked vault a new master key, sealing its passphrase
// slot again with the passphrase it was unlocked with or, if it was not,
// the passphrase asked for now.
func rekey(env Env, v *vault.Vault, vf *vaultFlags) error {
	pass := vf.pass
	if pass == "" {
		for _, s := range v.Slots() {
			if s.Kind == vault.SlotPassphrase || s.Kind == vault.SlotPassphraseKey {
				p, err := vf.passphrase(env, "Passphrase (to seal its slot to the new master key): ")
				if err != nil {
					return fmt.Errorf("the master key was not changed: %w", err)
				}
				pass = p
				break
			}
		}
	}
	var passes []string
	if pass != "" {
		passes = []string{pass}
	}
	res, err := v.Rekey(&vault.RekeyOptions{Passphrases: passes, PluginUI: keyUI(env)})
	if err != nil {
		return vaultErr(fmt.Errorf("rekey: %w", err))
	}
	reportRekey(env, v, res)
	return nil
}

// reportRekey says what a rekey did, and gives automatic backups a new
// verify key.
func reportRekey(env Env, v *vault.Vault, res *vault.RekeyResult) {
	fmt.Fprintln(env.Stdout, "the vault has a new master key; every way in listed by tessera slots opens it")
	if ok, err := backup.RotateVerifyKey(v); err != nil {
		fmt.Fprintf(env.Stderr, "tessera: warning: %v\n", err)
	} else if ok {
		fmt.Fprintln(env.Stdout, "automatic backups get a new verify key too")
	}
	for _, d := range res.Dropped {
		fmt.Fprintf(env.Stdout, "slot %s (%s %s) was removed: %s\n", d.Slot.ID, d.Slot.Kind, cell(d.Slot.Label), d.Why)
	}
	if res.RecoveryCode != "" {
		fmt.Fprintf(env.Stdout, "\nThe old recovery code no longer opens the vault. New recovery code (shown only now):\n\n    %s\n\nWrite it down or print it, and keep it away from this computer.\n", res.RecoveryCode)
	}
}

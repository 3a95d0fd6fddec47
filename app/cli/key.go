package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"text/tabwriter"

	"filippo.io/age"
	"filippo.io/age/plugin"

	"github.com/tessera-auth/tessera/app/loopback/webauthn"
	"github.com/tessera-auth/tessera/vault"
)

// errCeremony marks a security-key ceremony or age plugin that failed:
// exit 3, as a wrong passphrase.
var errCeremony = errors.New("security key")

func runKey(env Env, args []string) error {
	const usage = "add|list|rm|require|export-identity ...\n" +
		"Manages the security keys (and age plugin keys) that unlock the vault; tessera key SUBCOMMAND -h for each."
	if len(args) == 0 {
		return usageErr("usage: tessera key %s", usage)
	}
	switch args[0] {
	case "add":
		return runKeyAdd(env, args[1:])
	case "list":
		return runKeyList(env, args[1:])
	case "rm":
		return runKeyRm(env, args[1:])
	case "require":
		return runKeyRequire(env, args[1:])
	case "export-identity":
		return runKeyExport(env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintf(env.Stderr, "usage: tessera key %s\n", usage)
		return nil
	}
	return usageErr("tessera key: unknown subcommand %q (add, list, rm, require, export-identity)", args[0])
}

func runKeyAdd(env Env, args []string) error {
	fs := newFlags(env, "key add", "[--name N] [--with-passphrase] [--age-recipient R [--age-identity I]] [--vault DIR]\n"+
		"Enrols a security key in the browser (WebAuthn with the PRF extension), or adds an age plugin recipient\n"+
		"(age1yubikey1..., age1fido2-hmac1...). With --with-passphrase the key opens the vault only together with a\n"+
		"passphrase of its own. Enrol two keys: a lost key cannot be replaced.")
	vf := addVaultFlags(fs)
	name := fs.String("name", "", "what to call the key (shown by tessera key list)")
	withPass := fs.Bool("with-passphrase", false, "the key opens the vault only together with a passphrase (asked twice)")
	keyPassFile := fs.String("key-passphrase-file", "", "with --with-passphrase, read that passphrase from the first line of `FILE`")
	recipient := fs.String("age-recipient", "", "add an age plugin `RECIPIENT` instead of a browser security key")
	identity := fs.String("age-identity", "", "the plugin's `IDENTITY` (AGE-PLUGIN-NAME-1...), if it needs one to decrypt")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *recipient == "" && *identity != "" {
		return usageErr("--age-identity goes with --age-recipient")
	}
	v, err := vf.unlock(env, "key add", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	if *recipient != "" {
		s, err := v.AddPluginKey(*recipient, *identity, *name, keyUI(env))
		if err != nil {
			return vaultErr(err)
		}
		fmt.Fprintf(env.Stdout, "age plugin key added (slot %s)\n", s.ID)
		return nil
	}
	user, err := v.WebAuthnUser()
	if err != nil {
		return vaultErr(err)
	}
	host, _ := os.Hostname()
	res, err := keyCeremony(env, func(cs *webauthn.Ceremonies) (*webauthn.Ceremony, error) {
		return cs.BeginEnrol(webauthn.EnrolOptions{UserID: user, UserName: "Tessera vault (" + host + ")", Enrolled: v.SecurityKeys()})
	})
	if err != nil {
		return vaultErr(err)
	}
	pass := ""
	if *withPass {
		if pass, err = newPassphrase(env, *keyPassFile, "give --key-passphrase-file FILE"); err != nil {
			return err
		}
	}
	s, err := v.AddSecurityKey(res.Key, *name, pass)
	if err != nil {
		return vaultErr(err)
	}
	fmt.Fprintf(env.Stdout, "security key enrolled (slot %s); unlock with --security-key\n", s.ID)
	if len(v.SecurityKeys()) == 1 {
		fmt.Fprintln(env.Stdout, "Enrol a second key as a spare (tessera key add): a lost key cannot be replaced.")
	}
	return nil
}

func runKeyList(env Env, args []string) error {
	fs := newFlags(env, "key list", "[--vault DIR]\nLists the security keys and age plugin keys; needs no passphrase.")
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
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	n := 0
	for _, s := range v.Slots() {
		if !s.Kind.KeyKind() {
			continue
		}
		n++
		count := "-"
		if k, err := s.SecurityKey(); err == nil {
			count = fmt.Sprint(k.SignCount)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Kind, formatTime(s.Created), count, cell(s.Label))
	}
	tw.Flush()
	if n == 0 {
		fmt.Fprintln(env.Stdout, "no security key is enrolled (tessera key add)")
	}
	if v.RequireKey() {
		fmt.Fprintln(env.Stdout, "a security key is required (the recovery code still opens)")
	}
	return nil
}

func runKeyRm(env Env, args []string) error {
	fs := newFlags(env, "key rm", "ID [--no-rekey] [--vault DIR]\n"+
		"Removes a key's slot, then gives the vault a new master key (as tessera rekey), so that a copy of the old slot\n"+
		"file opens nothing written from now on.")
	vf := addVaultFlags(fs)
	noRekey := fs.Bool("no-rekey", false, "keep the master key: whoever kept the slot file can still open the vault with the key")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := onlyArg(pos, "ID")
	if err != nil {
		return err
	}
	v, err := vf.unlock(env, "key rm", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	found := false
	for _, s := range v.Slots() {
		if s.ID == id {
			if !s.Kind.KeyKind() {
				return usageErr("slot %s is a %s slot, not a key's (tessera slots lists them all)", id, s.Kind)
			}
			found = true
		}
	}
	if !found {
		return exit(ExitNotFound, fmt.Errorf("no key slot %s (tessera key list)", id))
	}
	if err := v.RemoveSlot(id); err != nil {
		return vaultErr(err)
	}
	fmt.Fprintf(env.Stdout, "key slot %s removed\n", id)
	if *noRekey {
		fmt.Fprintln(env.Stdout, "the master key is unchanged: a copy of the removed slot file still opens the vault with that key (tessera rekey changes it)")
		return nil
	}
	return rekey(env, v, vf)
}

func runKeyRequire(env Env, args []string) error {
	fs := newFlags(env, "key require", "on|off [--yes] [--vault DIR]\n"+
		"On: no way in without a key but the recovery code; the passphrase slot is removed (say --yes). Off needs the key.")
	vf := addVaultFlags(fs)
	yes := fs.Bool("yes", false, "confirm that the passphrase alone will no longer open the vault")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	arg, err := onlyArg(pos, "on|off")
	if err != nil {
		return err
	}
	if arg != "on" && arg != "off" {
		return usageErr("tessera key require: want on or off, not %q", arg)
	}
	v, err := vf.unlock(env, "key require", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	on := arg == "on"
	if on && !*yes {
		for _, s := range v.Slots() {
			if s.Kind == vault.SlotPassphrase {
				return usageErr("requiring a key removes the passphrase slot: the passphrase alone will no longer open the vault, only a key or the recovery code; run again with --yes")
			}
		}
	}
	if err := v.SetRequireKey(on); err != nil {
		if v.UnlockedWith() != "" && !v.UnlockedWith().KeyKind() && !on {
			return exit(ExitAuth, err)
		}
		return vaultErr(err)
	}
	if on {
		fmt.Fprintln(env.Stdout, "a security key is now required; the recovery code still opens the vault")
	} else {
		fmt.Fprintln(env.Stdout, "a security key is no longer required (set a passphrase with tessera passwd)")
	}
	return nil
}

func runKeyExport(env Env, args []string) error {
	fs := newFlags(env, "key export-identity", "--yes [--vault DIR]\n"+
		"Prints the age identity a security key derives, which opens its slot file with the stock age tool\n"+
		"(README, \"Recovery without Tessera\"). It is as secret as the vault: anyone with it and the vault files\n"+
		"reads every secret, without the key.")
	vf := addVaultDirFlag(fs)
	yes := fs.Bool("yes", false, "print it all the same")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	fmt.Fprintln(env.Stderr, "tessera key export-identity: warning: the identity printed opens the vault without the key; never store it next to the vault, and remove the key's slot (tessera key rm) if it leaks")
	if !*yes {
		return usageErr("give --yes to print it")
	}
	v, err := vf.open(env)
	if err != nil {
		return err
	}
	keys := v.SecurityKeys()
	if len(keys) == 0 {
		return exit(ExitNotFound, errors.New("no security key is enrolled in this vault"))
	}
	user, err := v.WebAuthnUser()
	if err != nil {
		return vaultErr(err)
	}
	res, err := keyCeremony(env, func(cs *webauthn.Ceremonies) (*webauthn.Ceremony, error) { return cs.BeginUnlock(user, keys) })
	if err != nil {
		return vaultErr(err)
	}
	fmt.Fprintln(env.Stdout, res.Identity.String())
	return nil
}

// unlockWithKey unlocks v with one of its security keys, through a
// ceremony in the browser, or if none is enrolled with its age plugin
// keys, whose prompts go to the terminal.
func unlockWithKey(env Env, v *vault.Vault) error {
	keys := v.SecurityKeys()
	if len(keys) == 0 {
		return unlockWithPlugin(env, v)
	}
	user, err := v.WebAuthnUser()
	if err != nil {
		return err
	}
	res, err := keyCeremony(env, func(cs *webauthn.Ceremonies) (*webauthn.Ceremony, error) { return cs.BeginUnlock(user, keys) })
	if err != nil {
		return err
	}
	var id age.Identity = res.Identity
	for _, s := range v.Slots() {
		k, err := s.SecurityKey()
		if err == nil && s.Kind == vault.SlotPassphraseKey && string(k.CredentialID) == string(res.Key.CredentialID) {
			pass, err := askSecret(env, "Passphrase of this key: ")
			if err != nil {
				return err
			}
			if id, err = vault.KeyAndPassphrase(res.Identity, pass); err != nil {
				return err
			}
		}
	}
	if err := v.Unlock(id); err != nil {
		return err
	}
	if err := v.RecordSignCount(res.Key.CredentialID, res.Key.SignCount); err != nil {
		fmt.Fprintf(env.Stderr, "tessera: warning: the key's signature counter was not recorded: %v\n", err)
	}
	return nil
}

// unlockWithPlugin tries v's age plugin slots in turn.
func unlockWithPlugin(env Env, v *vault.Vault) error {
	var last error
	for _, s := range v.Slots() {
		if s.Kind != vault.SlotPlugin {
			continue
		}
		id, err := vault.PluginIdentity(s, keyUI(env))
		if err == nil {
			if err = v.Unlock(id); err == nil {
				return nil
			}
		}
		if errors.Is(err, vault.ErrWrongKey) || errors.Is(err, vault.ErrDamaged) || errors.Is(err, vault.ErrKeyRequired) {
			last = err
		} else {
			last = fmt.Errorf("%w: %w", errCeremony, err)
		}
	}
	if last == nil {
		return fmt.Errorf("%w: no security key or age plugin key is enrolled in this vault (tessera key add)", errCeremony)
	}
	return last
}

// keyUI shows an age plugin's prompts on the terminal.
func keyUI(env Env) *plugin.ClientUI {
	return &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error {
			fmt.Fprintf(env.Stderr, "age-plugin-%s: %s\n", name, safe(msg))
			return nil
		},
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			return askSecret(env, "age-plugin-"+name+": "+safe(prompt)+" ")
		},
		Confirm: func(name, prompt, yes, no string) (bool, error) {
			if no == "" {
				_, err := askSecret(env, fmt.Sprintf("age-plugin-%s: %s (type %s) ", name, safe(prompt), safe(yes)))
				return err == nil, err
			}
			ans, err := askSecret(env, fmt.Sprintf("age-plugin-%s: %s (type 1 for %s, 2 for %s) ", name, safe(prompt), safe(yes), safe(no)))
			return ans == "1", err
		},
		WaitTimer: func(name string) {
			fmt.Fprintf(env.Stderr, "age-plugin-%s: waiting: touch your key if it blinks\n", name)
		},
	}
}

// keyCeremony serves the WebAuthn pages on a loopback port of its own for
// the time of one ceremony, opens the browser on the ceremony's page and
// waits for its end (at most webauthn.Lifetime, or Ctrl-C).
func keyCeremony(env Env, begin func(*webauthn.Ceremonies) (*webauthn.Ceremony, error)) (*webauthn.Result, error) {
	cs, stop, err := webauthn.Serve(nil)
	if err != nil {
		return nil, err
	}
	defer stop()
	c, err := begin(cs)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(env.Stderr, "Touch your security key in the browser page that opens.\nIf none opens, open this link in a browser on this computer (it works once):\n\n    %s\n\n", c.URL())
	if err := webauthn.OpenBrowser(c.URL()); err != nil {
		fmt.Fprintf(env.Stderr, "tessera: %v\n", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := c.Wait(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCeremony, err)
	}
	return res, nil
}

// safe is terminalSafe's text: what a plugin says, escaped for printing.
func safe(s string) string {
	t, _ := terminalSafe(s)
	return t
}

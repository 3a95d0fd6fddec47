package cli

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tessera-auth/tessera/sync/export"
)

// plainWarning is said of every unencrypted export.
const plainWarning = "holds every secret unencrypted: import it, then delete it"

func runExport(env Env, args []string) error {
	fs := newFlags(env, "export", "--format aegis|2fas|uris|migration|html --out FILE|- (--plain | --encrypt) [--vault DIR]\n"+
		"Writes the vault's entries for another authenticator: aegis and 2fas (plain, or --encrypt with a password\n"+
		"those apps open), uris (one otpauth:// URI a line), migration (Google Authenticator export QR images into the\n"+
		"folder --out), html (a paper backup to print). Unencrypted exports need --plain.")
	format := fs.String("format", "", "the `FORMAT`: "+strings.Join(export.Formats, ", "))
	out := fs.String("out", "", "the `FILE` to write (a new file), - for standard output, or for migration a folder")
	plain := fs.Bool("plain", false, "write an unencrypted export, which holds every secret in clear")
	encrypt := fs.Bool("encrypt", false, "encrypt the export with a password (aegis and 2fas), asked twice or read from --export-passphrase-file")
	passFile := fs.String("export-passphrase-file", "", "read the export's password from the first line of `FILE`")
	vf := addVaultFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if !slices.Contains(export.Formats, *format) {
		return usageErr("give --format, one of %s", strings.Join(export.Formats, ", "))
	}
	if *out == "" {
		return usageErr("give --out FILE (or --out - for standard output)")
	}
	encryptable := *format == "aegis" || *format == "2fas"
	switch {
	case *plain && *encrypt:
		return usageErr("give --plain or --encrypt, not both")
	case *encrypt && !encryptable:
		return usageErr("%s exports cannot be encrypted (aegis and 2fas can); give --plain, and keep the file safe", *format)
	case !*plain && !*encrypt && encryptable:
		return usageErr("give --encrypt (a password %s opens) or --plain (every secret in clear)", *format)
	case !*plain && !*encrypt:
		return usageErr("a %s export holds every secret in clear: give --plain to write it anyway", *format)
	case *passFile != "" && !*encrypt:
		return usageErr("--export-passphrase-file goes with --encrypt")
	}
	if *format == "migration" {
		if *out == "-" {
			return usageErr("migration writes PNG files: give --out FOLDER")
		}
		fmt.Fprintf(env.Stderr, "tessera export: warning: each file %s\n", qrWarning)
		return qrMigration(env, vf, *out)
	}
	if *out != "-" {
		if _, err := os.Lstat(*out); err == nil {
			return usageErr("%s exists; give a new file name", *out)
		}
	}
	v, err := vf.unlock(env, "export", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	password := ""
	if *encrypt {
		if *passFile != "" {
			password, err = readSecretFile(*passFile)
		} else {
			password, err = newExportPassword(env)
		}
		if err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	defer func() { clear(buf.Bytes()) }()
	entries := v.Entries()
	var res export.Result
	switch *format {
	case "aegis":
		res, err = export.Aegis(&buf, entries, password)
	case "2fas":
		res, err = export.TwoFAS(&buf, entries, password, time.Now())
	case "uris":
		res, err = export.URIs(&buf, entries)
	case "html":
		res, err = export.HTML(&buf, entries, time.Now())
	}
	if err != nil {
		return exit(ExitUsage, err)
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(env.Stderr, "tessera export: %s left out: %s\n", s.Label, s.Why)
	}
	if res.Written == 0 {
		return exit(ExitNotFound, fmt.Errorf("no entry to export in %s", *format))
	}
	if *out == "-" {
		if _, err := env.Stdout.Write(buf.Bytes()); err != nil {
			return err
		}
	} else if err := writePrivate(*out, buf.Bytes()); err != nil {
		return exit(ExitUsage, err)
	}
	what := "standard output"
	if *out != "-" {
		what = *out
	}
	fmt.Fprintf(env.Stderr, "tessera export: wrote %s in %s format to %s\n", countEntries(res.Written), *format, what)
	if *plain {
		fmt.Fprintf(env.Stderr, "tessera export: warning: %s %s\n", what, plainWarning)
	}
	return nil
}

// newExportPassword asks for an export's password twice on the terminal.
func newExportPassword(env Env) (string, error) {
	p1, err := askSecret(env, "Export password: ")
	if err != nil {
		return "", err
	}
	p2, err := askSecret(env, "Repeat the export password: ")
	if err != nil {
		return "", err
	}
	if p1 != p2 {
		return "", usageErr("the two passwords differ; nothing was written")
	}
	return p1, nil
}

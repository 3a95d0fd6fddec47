package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tessera-auth/tessera/sync/imports"
	"github.com/tessera-auth/tessera/vault"
)

func runImport(env Env, args []string) error {
	var formats strings.Builder
	for _, f := range imports.Formats() {
		fmt.Fprintf(&formats, "\n  %-14s %s", f[0], f[1])
	}
	fs := newFlags(env, "import", "[--format F] [--source-passphrase-file FILE] [--tags T1,T2] [--dry-run] FILE...\n"+
		"(FILE - is standard input.)\n"+
		"Adds the accounts in other authenticator apps' export files. The format is recognised\n"+
		"unless --format names it; an encrypted export's passphrase is asked on the terminal.\n"+
		"Entries whose secret (of the same kind) is already in the vault, or earlier in the\n"+
		"files, are skipped. Exit 2 when some entries could not be used (the others are added),\n"+
		"3 when a passphrase is wrong. Formats:"+formats.String())
	vf := addVaultFlags(fs)
	format := fs.String("format", "", "the files' `FORMAT` (default: recognised from each file)")
	passFile := fs.String("source-passphrase-file", "", "read the exports' passphrase from the first line of `FILE`")
	tags := fs.String("tags", "", "comma-separated tags to add to every imported entry")
	dryRun := fs.Bool("dry-run", false, "read the files and report what would be imported, without touching the vault")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErr("give the export files to import")
	}
	extraTags := splitTags(*tags)

	// Read every file before unlocking the vault: a file that cannot be
	// read stops the import with nothing changed.
	var items []imports.Item
	var where []string // the file of each item
	var parts []imports.Part
	problems := 0
	// A passphrase typed for one file is tried first on the next, as the
	// files of one export often share it; a new one is asked if it fails.
	var typed []byte
	defer func() { clear(typed) }()
	for _, name := range files {
		data, err := readExport(env, name)
		if err != nil {
			return err
		}
		var related func(string) ([]byte, error)
		if name != "-" {
			related = relatedFiles(name)
		}
		opts := imports.Options{Format: *format, ReadRelated: related}
		var res *imports.Result
		err = imports.ErrWrongPassphrase
		if typed != nil && *passFile == "" {
			opts.Passphrase = func() ([]byte, error) { return typed, nil }
			res, err = imports.Read(name, data, opts)
		}
		if errors.Is(err, imports.ErrWrongPassphrase) {
			opts.Passphrase = func() ([]byte, error) {
				if *passFile != "" {
					p, err := readSecretFile(*passFile)
					return []byte(p), err
				}
				p, err := askSecret(env, fmt.Sprintf("Passphrase of %s: ", name))
				if err == nil {
					clear(typed)
					typed = []byte(p)
				}
				return []byte(p), err
			}
			res, err = imports.Read(name, data, opts)
		}
		clear(data)
		if err != nil {
			return importErr(name, err)
		}
		for _, p := range res.Problems {
			fmt.Fprintf(env.Stderr, "tessera import: %s: %s: %s; skipped\n", name, p.Position, p.Reason)
		}
		for _, d := range res.Dropped {
			fmt.Fprintf(env.Stderr, "tessera import: %s: not kept (Tessera has no place for it): %s\n", name, d)
		}
		problems += len(res.Problems)
		parts = append(parts, res.Parts...)
		for _, it := range res.Items {
			for _, t := range extraTags {
				if !slices.Contains(it.Entry.Tags, t) {
					it.Entry.Tags = append(it.Entry.Tags, t)
				}
			}
			items = append(items, it)
			where = append(where, name)
		}
		fmt.Fprintf(env.Stderr, "tessera import: %s: %s export, %d entries\n", name, res.Format, len(res.Items))
	}
	for _, m := range imports.MissingParts(parts) {
		fmt.Fprintf(env.Stderr, "tessera import: warning: %s was not given; import its QR code too\n", m)
	}
	switch {
	case len(items) == 0 && problems > 0:
		return usageErr("nothing to import: %d entries could not be used (see above)", problems)
	case len(items) == 0:
		return exit(ExitNotFound, errors.New("nothing to import: the files hold no one-time-code accounts"))
	}
	for i := range items {
		items[i].Position = where[i] + ": " + items[i].Position
	}

	var existing []vault.Entry
	var v *vault.Vault
	if !*dryRun {
		if v, err = vf.unlock(env, "import", false); err != nil {
			return err
		}
		defer v.Lock()
		existing = v.Entries()
	}
	fresh, dups := imports.Dedupe(existing, items)
	for _, d := range dups {
		fmt.Fprintf(env.Stderr, "tessera import: %s: %s is already in the %s as %s; skipped\n",
			d.Item.Position, d.Item.Entry.Label(), map[bool]string{true: "vault", false: "import"}[d.InVault], d.Of)
	}
	changed := 0
	if !*dryRun {
		raised, err := imports.RaiseCounters(v, dups)
		if err != nil {
			return vaultErr(fmt.Errorf("nothing was imported: %w", err))
		}
		for _, e := range raised {
			fmt.Fprintf(env.Stderr, "tessera import: %s: counter raised to %d, as the other app had given the codes before it\n", e.Label(), e.OTP.Counter)
		}
		changed = len(raised)
	}
	added := 0
	for _, it := range fresh {
		if *dryRun {
			fmt.Fprintf(env.Stdout, "would add  %s (%s)\n", it.Entry.Label(), it.Entry.KindName())
			added++
			continue
		}
		got, err := v.Add(it.Entry)
		if err != nil {
			fmt.Fprintf(env.Stderr, "tessera import: %s: %v; skipped\n", it.Position, err)
			problems++
			continue
		}
		fmt.Fprintf(env.Stdout, "added %s  %s (%s)\n", got.ID, got.Label(), got.KindName())
		added++
	}
	if added+changed > 0 && !*dryRun {
		if err := v.Save(); err != nil {
			return vaultErr(fmt.Errorf("nothing was imported: %w", err))
		}
	}
	verb := "imported"
	if *dryRun {
		verb = "to import"
	}
	summary := fmt.Sprintf("%d %s, %d duplicates skipped, %d could not be used", added, verb, len(dups), problems)
	if problems > 0 {
		return exit(ExitUsage, errors.New(summary+" (see above)"))
	}
	fmt.Fprintf(env.Stderr, "tessera import: %s\n", summary)
	return nil
}

// readExport reads an export file ("-": standard input), refusing one
// larger than imports accept.
func readExport(env Env, name string) ([]byte, error) {
	var r io.Reader = env.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, exit(ExitNotFound, err)
			}
			return nil, usageErr("%v", err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, imports.MaxInputSize+1))
	if err != nil {
		return nil, usageErr("reading %s: %v", name, err)
	}
	if len(data) > imports.MaxInputSize {
		clear(data)
		return nil, usageErr("%s is larger than %d MiB, more than any export holds", name, imports.MaxInputSize>>20)
	}
	return data, nil
}

// relatedFiles reads files beside the export name, by base name only
// (Steam Desktop Authenticator's manifest.json lists its .maFiles).
func relatedFiles(name string) func(string) ([]byte, error) {
	dir := filepath.Dir(name)
	return func(rel string) ([]byte, error) {
		if rel != filepath.Base(rel) || rel == "." || rel == ".." {
			return nil, fmt.Errorf("%q is not a file name", rel)
		}
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, imports.MaxInputSize+1))
		if err == nil && len(b) > imports.MaxInputSize {
			clear(b)
			return nil, fmt.Errorf("%s is larger than %d MiB", rel, imports.MaxInputSize>>20)
		}
		return b, err
	}
}

// importErr gives an import error its exit code.
func importErr(name string, err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	if errors.Is(err, imports.ErrWrongPassphrase) {
		return exit(ExitAuth, fmt.Errorf("%s: %w", name, err))
	}
	return usageErr("%s: %v", name, err)
}

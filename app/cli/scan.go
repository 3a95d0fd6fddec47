package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tessera-auth/tessera/app/clipboard"
	"github.com/tessera-auth/tessera/app/screen"
	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/vault"
)

// captureTimeout bounds a screen capture, including the time a person takes
// to answer the desktop's screenshot prompt.
const captureTimeout = 2 * time.Minute

// captureScreen is screen.Capture; tests replace it.
var captureScreen = screen.Capture

// clipboardTexts returns the credential texts on the clipboard: an
// otpauth:// or otpauth-migration:// link copied as text, as the window
// takes it, else those in a QR code image.
func clipboardTexts(env Env) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), clipboardTimeout)
	defer cancel()
	img, err := clipboard.Image(ctx, env.Getenv)
	if err == nil {
		return qr.Decode(bytes.NewReader(img))
	}
	if !errors.Is(err, clipboard.ErrNoImage) {
		return nil, err
	}
	text, terr := clipboard.Text(ctx, env.Getenv)
	if terr == nil {
		if fields := strings.Fields(text); len(fields) > 0 {
			k := qr.Classify(fields[0]).Kind
			if k == qr.OTP || k == qr.Migration {
				return fields, nil
			}
		}
	}
	return nil, errors.New("the clipboard holds neither an otpauth:// link nor an image")
}

// clipboardTimeout bounds the wait for the program that copied an image to
// hand it over.
const clipboardTimeout = 10 * time.Second

// scanSource is one image scanned: a file or a monitor.
type scanSource struct {
	name  string
	texts []string
}

// scanFound is a credential found, with where it was found.
type scanFound struct {
	where string
	uri   string // the otpauth URI to print
	cred  otp.Credential
}

func runScan(env Env, args []string) error {
	fs := newFlags(env, "scan", "[--screen] [--clipboard] [--add [--token NAME] [--tags T1,T2]] [FILE...]\n"+
		"Reads QR codes from image files (PNG, JPEG, GIF, BMP, WebP), the screen or an image on the\n"+
		"clipboard, and prints the otpauth:// URI of every OTP credential in them, one per line\n"+
		"(Google Authenticator exports expanded into one URI per account). Other codes are reported\n"+
		"on standard error.\n"+
		"Exit 0 when a credential was found, 1 when none was, 2 when an image could not be read.")
	scr := fs.Bool("screen", false, "capture every monitor and scan it")
	clip := fs.Bool("clipboard", false, "scan the image on the clipboard (a screenshot or a copied image)")
	add := fs.Bool("add", false, "add the credentials found to the vault instead of printing them")
	token := fs.String("token", "", "with --add, store the API token found under `NAME`")
	tags := fs.String("tags", "", "with --add, comma-separated tags for the new entries")
	vf := addVaultFlags(fs)
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 && !*scr && !*clip {
		return usageErr("give image files to scan, or --screen, or --clipboard")
	}
	if !*add && (*token != "" || *tags != "") {
		return usageErr("--token and --tags go with --add")
	}

	var sources []scanSource
	unreadable := 0
	for _, name := range files {
		texts, err := scanFile(name)
		if err != nil {
			fmt.Fprintf(env.Stderr, "tessera scan: %s: %v\n", name, err)
			unreadable++
			continue
		}
		sources = append(sources, scanSource{name, texts})
	}
	if *scr {
		ctx, cancel := context.WithTimeout(context.Background(), captureTimeout)
		imgs, err := captureScreen(ctx, env.Getenv)
		cancel()
		if err != nil {
			fmt.Fprintf(env.Stderr, "tessera scan: %v\n", err)
			unreadable++
		}
		for i, img := range imgs {
			name := "screen"
			if len(imgs) > 1 {
				name = fmt.Sprintf("screen (monitor %d)", i+1)
			}
			sources = append(sources, scanSource{name, qr.DecodeImage(img)})
		}
	}

	if *clip {
		texts, err := clipboardTexts(env)
		if err != nil {
			fmt.Fprintf(env.Stderr, "tessera scan: clipboard: %v\n", err)
			unreadable++
		} else {
			sources = append(sources, scanSource{"clipboard", texts})
		}
	}

	if len(sources) == 0 {
		return exit(ExitUsage, errors.New("no image could be read"))
	}
	creds, tokens := classifyScanned(env, sources, *add)
	if *add {
		err = scanAdd(env, vf, creds, tokens, *token, splitTags(*tags))
	} else {
		for _, f := range creds {
			fmt.Fprintln(env.Stdout, f.uri)
		}
		if len(creds) == 0 {
			err = exit(ExitNotFound, errors.New("no OTP credential found"))
		}
	}
	if unreadable > 0 {
		if err != nil && !errors.Is(err, errNothingFound) {
			fmt.Fprintf(env.Stderr, "tessera scan: %v\n", err)
		}
		return exit(ExitUsage, fmt.Errorf("%d of %d images could not be read", unreadable, len(files)+boolInt(*scr)+boolInt(*clip)))
	}
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// scanFile returns the texts of the QR codes in an image file.
func scanFile(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return qr.Decode(f)
}

// classifyScanned sorts the texts found into credentials and tokens, each
// text once, and reports everything else on standard error.
func classifyScanned(env Env, sources []scanSource, adding bool) (creds []scanFound, tokens []scanFound) {
	seen := map[string]bool{}
	for _, src := range sources {
		if len(src.texts) == 0 {
			fmt.Fprintf(env.Stderr, "tessera scan: %s: no QR code found\n", src.name)
		}
		for _, text := range src.texts {
			if seen[text] {
				continue
			}
			seen[text] = true
			c := qr.Classify(text)
			switch {
			case c.Err != nil || c.Kind == qr.Other:
				fmt.Fprintf(env.Stderr, "tessera scan: %s: %s\n", src.name, c.Describe())
			case c.Kind == qr.Token:
				tokens = append(tokens, scanFound{where: src.name, uri: text})
				if !adding {
					fmt.Fprintf(env.Stderr, "tessera scan: %s: %s: tessera scan --add --token NAME %s\n", src.name, c.Describe(), src.name)
				}
			case c.Kind == qr.OTP:
				for _, w := range c.Warnings {
					fmt.Fprintf(env.Stderr, "tessera scan: %s: warning: %s\n", src.name, w)
				}
				creds = append(creds, scanFound{where: src.name, uri: text, cred: c.Credentials[0]})
			case c.Kind == qr.Migration:
				if c.Batch.BatchSize > 1 {
					fmt.Fprintf(env.Stderr, "tessera scan: %s: note: this is part %d of %d of a Google Authenticator export; scan the other parts too\n",
						src.name, c.Batch.BatchIndex+1, c.Batch.BatchSize)
				}
				for _, cred := range c.Credentials {
					creds = append(creds, scanFound{where: src.name, uri: otp.FormatURI(&cred), cred: cred})
				}
			}
		}
	}
	return creds, tokens
}

// errNothingFound is the outcome of scan --add with nothing to add.
var errNothingFound = errors.New("no OTP credential found, nothing added")

// scanAdd adds what scan found to the vault, with the duplicate rules of
// tessera add: a secret the vault already holds is skipped and reported.
func scanAdd(env Env, vf *vaultFlags, creds, tokens []scanFound, tokenName string, tags []string) error {
	var entries []vault.Entry
	var where []string
	for _, f := range creds {
		entries = append(entries, vault.Entry{Kind: vault.KindOTP, OTP: f.cred})
		where = append(where, f.where)
	}
	switch {
	case tokenName == "":
		for _, t := range tokens {
			fmt.Fprintf(env.Stderr, "tessera scan: %s: %s; not added: give --token NAME to store it\n", t.where, qr.Classify(t.uri).Describe())
		}
	case len(tokens) == 0:
		fmt.Fprintf(env.Stderr, "tessera scan: no QR code looks like an API token, so nothing is stored as %q\n", tokenName)
	case len(tokens) > 1:
		return usageErr("%d codes look like API tokens, and --token names one; scan their images one at a time", len(tokens))
	default:
		entries = append(entries, vault.Entry{Kind: vault.KindToken, Issuer: tokenName, Token: vault.Token{Value: []byte(tokens[0].uri)}})
		where = append(where, tokens[0].where)
	}
	if len(entries) == 0 {
		return exit(ExitNotFound, errNothingFound)
	}

	v, err := vf.unlock(env, "scan", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	var added []vault.Entry
	problems := 0
	for i, e := range entries {
		e.Tags = tags
		got, err := v.Add(e)
		if err != nil {
			fmt.Fprintf(env.Stderr, "tessera scan: %s: %v; skipped\n", where[i], err)
			problems++
			continue
		}
		added = append(added, got)
	}
	if len(added) > 0 {
		if err := v.Save(); err != nil {
			return vaultErr(fmt.Errorf("nothing was added: %w", err))
		}
	}
	for _, e := range added {
		fmt.Fprintf(env.Stdout, "added %s  %s (%s)\n", e.ID, shownLabel(&e), e.KindName())
	}
	if problems > 0 {
		return exit(ExitUsage, fmt.Errorf("%d added, %d not (see above)", len(added), problems))
	}
	return nil
}

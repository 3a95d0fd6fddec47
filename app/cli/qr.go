package cli

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/sync/export"
	"github.com/tessera-auth/tessera/vault"
)

// qrWarning reminds that a QR image is the secret itself.
const qrWarning = "holds the secret unencrypted: scan it, then delete it"

func runQR(env Env, args []string) error {
	fs := newFlags(env, "qr", "QUERY [--out FILE.png] | --migration [--out DIR]\n"+
		"Writes the QR code of one entry's otpauth:// URI, to move it to a phone, or with --migration\n"+
		"Google Authenticator export codes for every OTP entry.")
	migration := fs.Bool("migration", false, "write Google Authenticator export codes for all OTP entries")
	out := fs.String("out", "", "the PNG `FILE` to write (default standard output), or with --migration the folder (default .)")
	vf := addVaultFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *migration {
		if err := noArgs(pos); err != nil {
			return err
		}
		return qrMigration(env, vf, *out)
	}
	query, err := onlyArg(pos, "the entry to show (part of its name, or its ID)")
	if err != nil {
		return err
	}
	if *out == "" {
		if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			return usageErr("give --out FILE.png, or redirect standard output to a file")
		}
	}
	v, e, err := vf.unlockEntry(env, "qr", query)
	if err != nil {
		return err
	}
	defer v.Lock()
	if e.Kind != vault.KindOTP {
		return usageErr("%s is an API token; only OTP credentials have QR codes", shownLabel(&e))
	}
	c := entryCredential(e)
	data, err := qrPNG(otp.FormatURI(&c))
	if err != nil {
		return exit(ExitUsage, err)
	}
	if *out == "" {
		_, err := env.Stdout.Write(data)
		return err
	}
	if err := writePrivate(*out, data); err != nil {
		return exit(ExitUsage, err)
	}
	fmt.Fprintf(env.Stderr, "tessera qr: wrote %s (%s); it %s\n", *out, shownLabel(&e), qrWarning)
	return nil
}

// qrMigration writes export codes for every OTP entry the format can carry
// into dir, and names those it cannot.
func qrMigration(env Env, vf *vaultFlags, dir string) error {
	if dir == "" {
		dir = "."
	}
	v, err := vf.unlock(env, "qr", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	codes, res, err := export.Migration(v.Entries())
	for _, s := range res.Skipped {
		fmt.Fprintf(env.Stderr, "tessera qr: %s left out: %s\n", cell(s.Label), s.Why)
	}
	if err != nil {
		return exit(ExitUsage, err)
	}
	if len(codes) == 0 {
		return exit(ExitNotFound, fmt.Errorf("no OTP entry to export"))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return exit(ExitUsage, err)
	}
	for i, c := range codes {
		name := filepath.Join(dir, fmt.Sprintf("tessera-export-%d-of-%d.png", i+1, len(codes)))
		if err := writePrivate(name, c.PNG); err != nil {
			return exit(ExitUsage, err)
		}
		fmt.Fprintln(env.Stdout, name)
	}
	fmt.Fprintf(env.Stderr, "tessera qr: %s in %s; each file %s\n", plural(res.Written, "account"), plural(len(codes), "code"), qrWarning)
	return nil
}

// entryCredential returns an OTP entry's credential named as the entry is.
func entryCredential(e vault.Entry) otp.Credential {
	c := e.OTP
	c.Issuer, c.Account = e.Issuer, e.Account
	return c
}

// qrPNG draws text as a QR code and encodes it as PNG.
func qrPNG(text string) ([]byte, error) {
	img, err := qr.Encode(text)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writePrivate writes data to a new file only its owner can read, refusing
// to replace an existing one.
func writePrivate(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	return f.Close()
}

// plural returns "1 code", "2 codes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

package cli_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/sync/imports/exportgen"
	"github.com/tessera-auth/tessera/vault"
)

func init() {
	// gensda DIR URIS [PASSPHRASE]: write a Steam Desktop Authenticator
	// folder (manifest.json and one .maFile per URI in file URIS) in DIR,
	// encrypted with PASSPHRASE when given.
	scriptCmds["gensda"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: gensda DIR URIS [PASSPHRASE]")
		}
		in, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		var entries []vault.Entry
		for _, line := range strings.Fields(string(in)) {
			c, _, err := otp.ParseURI(line)
			ts.Check(err)
			entries = append(entries, vault.Entry{Kind: vault.KindOTP, Issuer: c.Issuer, Account: c.Account, OTP: c})
		}
		var pass []byte
		if len(args) > 2 {
			pass = []byte(args[2])
		}
		files, err := exportgen.SteamSDA(entries, pass)
		ts.Check(err)
		dir := ts.MkAbs(args[0])
		ts.Check(os.MkdirAll(dir, 0o700))
		for name, b := range files {
			ts.Check(os.WriteFile(filepath.Join(dir, name), b, 0o600))
		}
	}

	// genexport FORMAT URIS OUT [PASSPHRASE [legacy|argon2|icons]]: write
	// the accounts of the otpauth URIs in file URIS (one per line; a
	// "#tags a,b" line gives the tags of the URI after it) as FORMAT's
	// export, encrypted with PASSPHRASE when given.
	scriptCmds["genexport"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 3 {
			ts.Fatalf("usage: genexport FORMAT URIS OUT [PASSPHRASE [legacy|argon2|icons]]")
		}
		in, err := os.ReadFile(ts.MkAbs(args[1]))
		ts.Check(err)
		var entries []vault.Entry
		var tags []string
		sc := bufio.NewScanner(bytes.NewReader(in))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if t, ok := strings.CutPrefix(line, "#tags "); ok {
				tags = strings.Split(t, ",")
				continue
			}
			if line == "" {
				continue
			}
			c, _, err := otp.ParseURI(line)
			ts.Check(err)
			entries = append(entries, vault.Entry{Kind: vault.KindOTP, Issuer: c.Issuer, Account: c.Account, OTP: c, Tags: tags})
			tags = nil
		}
		var o exportgen.Options
		if len(args) > 3 && args[3] != "" {
			o.Passphrase = []byte(args[3])
		}
		if len(args) > 4 {
			switch args[4] {
			case "legacy":
				o.Legacy = true
			case "argon2":
				o.Argon2 = true
			case "icons":
				o.Icons = true
			default:
				ts.Fatalf("genexport: option %q unknown", args[4])
			}
		}
		data, err := exportgen.Write(args[0], entries, o)
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), data, 0o600))
	}
}

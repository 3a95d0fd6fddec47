// Package cli is the tessera command line: one verb per file, all of them
// thin layers over the otp, vault and sync packages.
//
// # Exit codes
//
// Every verb exits with one of the codes below, so scripts can tell what
// happened without reading messages:
//
//	0  success
//	1  nothing found
//	2  bad usage or bad input
//	3  wrong passphrase or key
//	4  vault damaged (or the backup file restore-backup reads)
//	5  vault busy (locked by another live process)
//	6  approval request expired (tessera approve request)
//	7  storage full or read-only (ENOSPC, EDQUOT, EROFS): nothing was written
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes of the command line.
const (
	ExitOK       = 0
	ExitNotFound = 1
	ExitUsage    = 2
	ExitAuth     = 3
	ExitDamaged  = 4
	ExitBusy     = 5
	ExitExpired  = 6
	ExitStorage  = 7 // storage full or read-only
)

// Version is the release version, stamped at link time by the Makefile
// (-X github.com/tessera-auth/tessera/app/cli.Version=...).
var Version = "dev"

// Env is what a verb may touch of the outside world, so tests can run verbs
// in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// OSEnv returns the process's own standard streams and environment.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// exitError carries an exit code with the message printed for it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exit wraps err so that Run exits with code.
func exit(code int, err error) error {
	return &exitError{code: code, err: err}
}

// usageErr is a bad-usage error (exit 2).
func usageErr(format string, args ...any) error {
	return exit(ExitUsage, fmt.Errorf(format, args...))
}

// verb is one subcommand of tessera.
type verb struct {
	summary string
	run     func(env Env, args []string) error
}

// verbs lists every subcommand. Each lives in a file of its own name.
var verbs = map[string]verb{
	"version": {"print the version", runVersion},
	"code":    {"print the current code of a credential", runCode},
	"init":    {"create a vault", runInit},
	"add":     {"add OTP credentials or an API token to the vault", runAdd},
	"list":    {"list the vault's entries", runList},
	"rm":      {"remove an entry from the vault", runRm},
	"rename":  {"change an entry's issuer or account", runRename},
	"passwd":  {"change the vault's passphrase", runPasswd},
	"slots":   {"list the ways to unlock the vault", runSlots},
	"backups": {"list the vault's backups", runBackups},
	"restore": {"bring back a backup of the vault", runRestore},
	"scan":    {"read OTP credentials from QR codes in images or on screen", runScan},
	"qr":      {"write an entry's QR code, or export codes for all entries", runQR},
	"import":  {"add the accounts in other authenticator apps' export files", runImport},

	"backup":         {"write the whole vault as one encrypted age file", runBackup},
	"restore-backup": {"merge a backup file into the vault, or into a new vault", runRestoreBackup},
	"export":         {"write the entries for another authenticator, or a paper backup", runExport},
	"sync":           {"merge with other devices through a folder a sync tool replicates", runSync},
	"approve":        {"pair programs and ask for login approvals", runApprove},
	"key":            {"enrol, list, remove or require security keys", runKey},
	"rekey":          {"give the vault a new master key", runRekey},
}

// Run executes the command line args (without the program name) and returns
// the process exit code.
func Run(env Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(env.Stdout)
		return ExitOK
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "tessera: unknown command %q%s\n", args[0], suggest(args[0]))
		printUsage(env.Stderr)
		return ExitUsage
	}
	err := v.run(env, args[1:])
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	code := ExitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(env.Stderr, "tessera %s: %s\n", args[0], msg)
	}
	return code
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: tessera [command] [flags]")
	fmt.Fprintln(w, "With no command, tessera opens its window.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, verbs[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'tessera COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set for a verb that reports errors instead of
// exiting, printing its usage to env.Stderr.
func newFlags(env Env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: tessera %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (tessera code github --at 0), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, exit(ExitUsage, errors.New(""))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runVersion(env Env, args []string) error {
	fs := newFlags(env, "version", "")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "tessera %s\n", strings.TrimPrefix(Version, "v"))
	return nil
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/approve/client"
)

// approveVerbs are the subcommands of tessera approve.
var approveVerbs = map[string]struct {
	summary string
	run     func(env Env, args []string) error
}{
	"pair":    {"pair a program with the running Tessera (prints the code to type)", runApprovePair},
	"request": {"ask the person at the desk to approve, and wait", runApproveRequest},
	"clients": {"list the paired clients", runApproveClients},
	"revoke":  {"unpair a client", runApproveRevoke},
	"log":     {"print the approvals audit log", runApproveLog},
}

func runApprove(env Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := env.Stderr
		if len(args) > 0 {
			w = env.Stdout
		}
		fmt.Fprintln(w, "usage: tessera approve pair|request|clients|revoke|log [flags]")
		names := make([]string, 0, len(approveVerbs))
		for n := range approveVerbs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-8s %s\n", n, approveVerbs[n].summary)
		}
		if len(args) == 0 {
			return usageErr("give a subcommand")
		}
		return nil
	}
	v, ok := approveVerbs[args[0]]
	if !ok {
		return usageErr("unknown subcommand %q: use pair, request, clients, revoke or log", args[0])
	}
	return v.run(env, args[1:])
}

// interruptible returns a context that ends on Ctrl+C or after d (0: never).
func interruptible(d time.Duration) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	if d <= 0 {
		return ctx, stop
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func() { cancel(); stop() }
}

// clientErr maps the client library's errors to exit codes.
func clientErr(err error) error {
	switch {
	case errors.Is(err, client.ErrDenied):
		return exit(ExitNotFound, errors.New("denied"))
	case errors.Is(err, client.ErrExpired), errors.Is(err, context.DeadlineExceeded):
		return exit(ExitExpired, errors.New("expired: nobody decided in time"))
	case errors.Is(err, client.ErrUnreachable):
		return exit(ExitAuth, fmt.Errorf("%w (is Tessera running, with its window open?)", err))
	}
	return exit(ExitAuth, err)
}

func runApprovePair(env Env, args []string) error {
	fs := newFlags(env, "approve pair", "--name NAME --save FILE [--issuer URL] [--alg ES256|EdDSA] [--no-match-code]")
	name := fs.String("name", "", "how Tessera names this client to the person")
	save := fs.String("save", "", "write the client credentials to `FILE` (mode 0600)")
	issuer := fs.String("issuer", "", "Tessera's `URL` (default: from the discovery file of the running Tessera)")
	alg := fs.String("alg", approve.ES256, "ID token algorithm: ES256 or EdDSA")
	noCode := fs.Bool("no-match-code", false, "this client cannot show its user a match code (Tessera then shows a plain Approve button)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *name == "" || *save == "" {
		return usageErr("give --name NAME and --save FILE")
	}
	if *issuer == "" {
		path, err := approve.DiscoveryPath()
		if err == nil {
			var d approve.DiscoveryFile
			if d, err = approve.ReadDiscoveryFile(path); err == nil {
				*issuer = d.Issuer
			}
		}
		if err != nil {
			return exit(ExitAuth, fmt.Errorf("%v; or give --issuer", err))
		}
	}
	ctx, cancel := interruptible(approve.PairingExpiry + 10*time.Second)
	defer cancel()
	c, err := client.Pair(ctx, *issuer, client.PairOptions{Name: *name, Alg: *alg, NoMatchCode: *noCode, ShowCode: func(code string) {
		fmt.Fprintf(env.Stdout, "Type this code into Tessera's window: %s\n", code)
	}})
	if err != nil {
		var pe *approve.Error
		if errors.As(err, &pe) && pe.Status == 400 && pe.Code == "invalid_client_metadata" {
			return usageErr("%s", pe.Description)
		}
		return clientErr(err)
	}
	if err := c.Save(*save); err != nil {
		return exit(ExitUsage, err)
	}
	fmt.Fprintf(env.Stdout, "paired as %s; credentials saved to %s\n", c.ClientID, *save)
	return nil
}

// contextFlag collects --context KEY=VALUE flags.
type contextFlag map[string]string

func (c contextFlag) String() string { return "" }
func (c contextFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	switch k {
	case "application", "host", "command", "remote_addr":
	default:
		return fmt.Errorf("context key %q is not one of application, host, command, remote_addr", k)
	}
	if !ok {
		return fmt.Errorf("give --context %s=VALUE", k)
	}
	if _, dup := c[k]; dup {
		return fmt.Errorf("context %s given twice", k)
	}
	c[k] = v
	return nil
}

var _ flag.Value = contextFlag{}

func runApproveRequest(env Env, args []string) error {
	fs := newFlags(env, "approve request", "--client FILE --message TEXT [--login-hint USER] [--context KEY=VALUE ...] [--timeout D]")
	file := fs.String("client", "", "the client `FILE` of tessera approve pair")
	msg := fs.String("message", "", "what the person is asked to approve (at most 64 characters)")
	hint := fs.String("login-hint", "", "who signs in (default $PAM_USER, else $USER, else the current user)")
	ctx := contextFlag{}
	fs.Var(ctx, "context", "`KEY=VALUE` shown with the request; keys application, host, command, remote_addr (repeatable)")
	timeout := fs.Duration("timeout", approve.DefaultExpiry, "how long the person has (10s to 5m)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *file == "" || *msg == "" {
		return usageErr("give --client FILE and --message TEXT")
	}
	for _, k := range []string{"PAM_USER", "USER"} { // pam_exec sets PAM_USER
		if *hint == "" {
			*hint = env.Getenv(k)
		}
	}
	if *hint == "" {
		if u, err := user.Current(); err == nil {
			*hint = u.Username
		}
	}
	if *hint == "" {
		return usageErr("give --login-hint USER")
	}
	if *timeout < approve.MinExpiry || *timeout > approve.MaxExpiry {
		return usageErr("--timeout %v is outside 10s to 5m", *timeout)
	}
	c, err := client.Load(*file)
	if err != nil {
		return exit(ExitAuth, err)
	}
	cctx, cancel := interruptible(*timeout + 30*time.Second)
	defer cancel()
	p, err := c.Start(cctx, client.Request{LoginHint: *hint, Message: *msg, Context: ctx, Expiry: *timeout})
	if err != nil {
		var pe *approve.Error
		if errors.As(err, &pe) && pe.Status == 400 {
			return usageErr("%s (%s)", pe.Description, pe.Code)
		}
		return clientErr(err)
	}
	fmt.Fprintf(env.Stdout, "Tessera asks the person at the desk. Match code: %s\n", p.MatchCode)
	d, err := c.Wait(cctx, p)
	if err != nil {
		return clientErr(err)
	}
	fmt.Fprintf(env.Stdout, "approved for %s (%s)\n", d.Claims.Subject, d.Claims.ACR)
	return nil
}

func runApproveClients(env Env, args []string) error {
	fs := newFlags(env, "approve clients", "[--vault DIR]")
	vf := addVaultFlags(fs)
	v, err := vf.parseUnlock(env, fs, args)
	if err != nil {
		return err
	}
	defer v.Lock()
	cs, err := approve.ListClients(v)
	if err != nil {
		return vaultErr(err)
	}
	if len(cs) == 0 {
		return exit(ExitNotFound, errors.New("no paired clients; pair one with tessera approve pair"))
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tALG\tPAIRED\tLAST USED\tPROGRAM")
	for _, c := range cs {
		last := "never"
		if !c.LastUsed.IsZero() {
			last = c.LastUsed.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Alg, c.Created.Local().Format("2006-01-02 15:04"), last, c.Program)
	}
	return tw.Flush()
}

func runApproveRevoke(env Env, args []string) error {
	fs := newFlags(env, "approve revoke", "ID [--vault DIR]")
	vf := addVaultFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	id, err := onlyArg(pos, "ID (as tessera approve clients shows it)")
	if err != nil {
		return err
	}
	v, err := vf.unlock(env, "approve revoke", false)
	if err != nil {
		return err
	}
	defer v.Lock()
	c, err := approve.Revoke(v, id)
	if errors.Is(err, approve.ErrNoClient) {
		return exit(ExitNotFound, fmt.Errorf("no paired client %q; see tessera approve clients", id))
	}
	if err != nil {
		return vaultErr(err)
	}
	fmt.Fprintf(env.Stdout, "revoked %s (%s)\n", c.ID, c.Name)
	return nil
}

func runApproveLog(env Env, args []string) error {
	fs := newFlags(env, "approve log", "[--grep TEXT] [--vault DIR]")
	vf := addVaultFlags(fs)
	grep := fs.String("grep", "", "print only records containing `TEXT` (any case)")
	v, err := vf.parseUnlock(env, fs, args)
	if err != nil {
		return err
	}
	defer v.Lock()
	recs, err := approve.ReadLog(v)
	if err != nil {
		return vaultErr(err)
	}
	n := 0
	for _, r := range recs {
		if *grep == "" || r.Matches(*grep) {
			fmt.Fprintln(env.Stdout, r)
			n++
		}
	}
	if n == 0 {
		return exit(ExitNotFound, errors.New("no records"))
	}
	return nil
}

// Package wine runs Tessera's Windows code for real on Linux: it
// cross-compiles a package's test binary for windows/amd64 and runs it
// under Wine (the Debian package wine64), a Win32 implementation whose file
// locks, processes and GDI are real enough to test against. `make wine`
// runs the tests of this package that do so (build tag wine).
//
// Each test gets a private Wine prefix (WINEPREFIX) of its own, created
// with wineboot and removed with its wineserver when the test ends, so that
// nothing depends on or changes ~/.wine. Wine's own debug output is off and
// the Mono and Gecko installers are never offered.
//
// Two gaps of Wine 8.0 (Debian 12's) against what Go 1.26 expects of
// Windows are bridged here, and nothing else:
//
//   - Go's runtime takes its random numbers from ProcessPrng in
//     bcryptprimitives.dll, which Wine 8.0 lacks; a program stops with
//     "bcryptprimitives.dll not found" before main. Each prefix gets a
//     bcryptprimitives.dll whose ProcessPrng forwards to advapi32's
//     SystemFunction036 (RtlGenRandom): same arguments, same success value.
//   - os.RemoveAll deletes files with NtSetInformationFile's
//     FileDispositionInformationEx and falls back to the older
//     FileDispositionInformation when Windows says the class is unknown.
//     Wine 8.0 answers STATUS_NOT_IMPLEMENTED rather than
//     STATUS_INVALID_INFO_CLASS, so Go does not fall back and every
//     t.TempDir cleanup fails with "Invalid function". The test binaries
//     are built with a -overlay copy of that Go file that falls back on
//     STATUS_NOT_IMPLEMENTED too; the building fails, saying so, when a Go
//     release changes the line it edits.
package wine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stopTimeout bounds how long a prefix's wineserver may take to exit.
const stopTimeout = 30 * time.Second

// Prefix is a private Wine prefix: a folder holding a Windows installation
// (drive_c, registry) and served by a wineserver of its own.
type Prefix struct {
	dir string
	env []string
}

// NewPrefix creates a Wine prefix in a temporary folder and stops its
// wineserver, with every program still running in it, when the test ends.
// A missing wine fails the test with what to install.
func NewPrefix(t testing.TB) *Prefix {
	t.Helper()
	for _, prog := range []string{"wine", "wineboot", "wineserver"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Fatalf("wine: %s not found (%v): run `make test-deps` or install the Debian packages wine and wine64", prog, err)
		}
	}
	p := &Prefix{dir: filepath.Join(t.TempDir(), "prefix")}
	p.env = append(cleanEnv(os.Environ()),
		"WINEPREFIX="+p.dir,
		"WINEDEBUG=-all",                   // Wine's own fixme and err lines
		"WINEDLLOVERRIDES=mscoree,mshtml=", // no Mono or Gecko installer
		"LANG=en_US.UTF-8",
		// Wine names files on Linux in the encoding of LC_CTYPE's
		// locale, and when that locale is not installed (en_US.UTF-8
		// often is not) in ASCII: any other letter in a file name
		// fails with "File not found". C.UTF-8 is always there. The
		// programs a Windows program starts keep it, whatever
		// environment it gives them.
		"LC_CTYPE=C.UTF-8",
	)
	// Registered before wineboot starts the prefix's wineserver, so it also
	// runs when wineboot fails half-way.
	t.Cleanup(func() { p.stop(t) })

	// wineboot was seen to exit 1 at once, silently (WINEDEBUG is off),
	// once in many runs on a loaded machine, while the next test's
	// wineboot worked; a second failure fails the test with Wine's own
	// messages.
	for try := 1; ; try++ {
		out, err := p.boot(try > 1)
		if err == nil {
			break
		}
		if try == 2 {
			t.Fatalf("wine: creating the prefix with wineboot failed twice: %v\n%s", err, out)
		}
		t.Logf("wine: wineboot failed (%v), trying once more with Wine's messages on", err)
		p.stop(t)
		os.RemoveAll(p.dir)
	}
	sys32 := filepath.Join(p.dir, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "kernel32.dll")); err != nil {
		t.Fatalf("wine: wineboot made no Windows folder: %v", err)
	}
	dll := filepath.Join(sys32, "bcryptprimitives.dll")
	if _, err := os.Stat(dll); err == nil {
		t.Fatalf("wine: this Wine has its own %s; drop the stand-in from package wine", dll)
	}
	if err := os.WriteFile(dll, bcryptPrimitivesDLL(), 0o644); err != nil {
		t.Fatalf("wine: %v", err)
	}
	return p
}

// cleanEnv drops from env what would make Wine use another prefix, show
// windows on the desktop the tests run from, or override LC_CTYPE.
func cleanEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "WINE") || k == "LC_ALL" ||
			k == "DISPLAY" || k == "WAYLAND_DISPLAY" || k == "XAUTHORITY" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// stop ends the prefix's wineserver and every program of the prefix, and
// waits for the server to be gone, so that the prefix can be removed.
func (p *Prefix) stop(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	kill := exec.CommandContext(ctx, "wineserver", "--kill")
	kill.Env = p.env
	kill.Run() // fails when no server runs, which is fine
	wait := exec.CommandContext(ctx, "wineserver", "--wait")
	wait.Env = p.env
	if out, err := wait.CombinedOutput(); err != nil && ctx.Err() != nil {
		t.Errorf("wine: the wineserver of %s did not stop within %v: %s", p.dir, stopTimeout, out)
	}
}

// boot creates the prefix with wineboot, with Wine's error messages on if
// verbose.
func (p *Prefix) boot(verbose bool) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wineboot", "--init")
	cmd.Env = p.env
	if verbose {
		cmd.Env = append(append([]string(nil), p.env...), "WINEDEBUG=err+all")
	}
	return cmd.CombinedOutput()
}

// command returns a command that runs the Windows program exe (a Linux
// path) under Wine in this prefix, with env added to the environment.
// DISPLAY is unset unless env sets it.
func (p *Prefix) command(ctx context.Context, env []string, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "wine", append([]string{exe}, args...)...)
	cmd.Env = append(append([]string(nil), p.env...), env...)
	// The wine command is a shell script that execs the loader, so the
	// process Go starts is the Windows program itself. WaitDelay covers
	// Windows children that hold its output open after it is killed.
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// BuildTest cross-compiles the test binary of the package pkg (an import
// path) for windows/amd64 without cgo, with the build tags given, and
// returns the path of the .exe and the package's source folder, where the
// binary must run as `go test` would run it.
func BuildTest(t testing.TB, pkg string, tags ...string) (exe, dir string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		t.Fatalf("wine: go list %s: %v", pkg, err)
	}
	dir = strings.TrimSpace(string(out))
	exe = filepath.Join(t.TempDir(), filepath.Base(pkg)+".test.exe")
	args := []string{"test", "-c", "-o", exe, "-overlay", overlay(t)}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wine: building the Windows test binary of %s: %v\n%s", pkg, err, out)
	}
	return exe, dir
}

// deleteatFile is the Go source file whose fallback overlay extends, and
// deleteatCase the line it extends, in GOROOT/src.
const (
	deleteatFile = "internal/syscall/windows/at_windows.go"
	deleteatCase = "STATUS_NOT_SUPPORTED:     // the file system doesn't support"
)

// overlay writes the go build -overlay file that makes os.RemoveAll work
// under Wine 8.0 (see the package documentation) and returns its path.
func overlay(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("wine: go env GOROOT: %v", err)
	}
	orig := filepath.Join(strings.TrimSpace(string(out)), "src", filepath.FromSlash(deleteatFile))
	src, err := os.ReadFile(orig)
	if err != nil {
		t.Fatalf("wine: %v", err)
	}
	if bytes.Count(src, []byte(deleteatCase)) != 1 {
		t.Fatalf("wine: %s no longer holds the line %q once: see how this Go release deletes files, and whether Wine still needs the overlay", orig, deleteatCase)
	}
	// 0xC0000002 is STATUS_NOT_IMPLEMENTED, which the file does not name.
	patched := bytes.Replace(src, []byte(deleteatCase),
		[]byte("NTStatus(0xC0000002), "+deleteatCase), 1)
	dir := t.TempDir()
	file := filepath.Join(dir, "at_windows.go")
	if err := os.WriteFile(file, patched, 0o644); err != nil {
		t.Fatalf("wine: %v", err)
	}
	js, err := json.Marshal(map[string]map[string]string{"Replace": {orig: file}})
	if err != nil {
		t.Fatalf("wine: %v", err)
	}
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, js, 0o644); err != nil {
		t.Fatalf("wine: %v", err)
	}
	return ov
}

// Result is what a Windows test binary did, from its -test.v output.
type Result struct {
	Passed, Failed, Skipped []string // test names, subtests included
	Output                  string
}

// RunTest runs a Windows test binary built by [BuildTest] under Wine in
// dir, verbosely, with env added to the environment and args after -test.v
// (-test.run, -test.skip, ...), and returns what each test did. The error
// is non-nil when the binary failed or did not run.
func (p *Prefix) RunTest(ctx context.Context, env []string, exe, dir string, args ...string) (Result, error) {
	cmd := p.command(ctx, env, exe, append([]string{"-test.v"}, args...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	r := Result{Output: out.String()}
	for _, line := range strings.Split(r.Output, "\n") {
		status, rest, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, " (")
		switch status {
		case "--- PASS":
			r.Passed = append(r.Passed, name)
		case "--- FAIL":
			r.Failed = append(r.Failed, name)
		case "--- SKIP":
			r.Skipped = append(r.Skipped, name)
		}
	}
	if err != nil {
		return r, fmt.Errorf("%s under wine: %w", filepath.Base(exe), err)
	}
	return r, nil
}

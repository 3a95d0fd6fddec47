//go:build linux

// Package wayland starts private headless Wayland desktops for end-to-end
// tests, so that screen capture through xdg-desktop-portal is checked
// against the real programs on a machine without a screen.
//
// A desktop is what a person running sway has, started headless:
//
//   - dbus-daemon: a private session bus, listening only in the desktop's
//     own runtime directory, and starting no service by itself;
//   - sway with its headless backend and pixman renderer: one output of the
//     size asked for, showing a picture through swaybg;
//   - pipewire, without which xdg-desktop-portal-wlr does not start;
//   - xdg-permission-store, xdg-desktop-portal-wlr (whose Screenshot runs
//     grim, which reads the output through wlr-screencopy) and
//     xdg-desktop-portal itself, the service applications call.
//
// xdg-desktop-portal offers its Screenshot interface only when some backend
// also offers the permission dialog (org.freedesktop.impl.portal.Access,
// from xdg-desktop-portal-gtk on a usual sway setup). That dialog is the one
// piece this package plays itself: it answers "Allow", as the person would.
// With xdg-desktop-portal-wlr, which declares version 1 of the backend
// interface, the portal does not ask it at all.
//
// sway refuses to run as root, so a test running as root runs it as the
// user nobody; everything else runs as the test's own user. Every process
// runs in a process group of its own, and each group is stopped when the
// test ends.
package wayland

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tessera-auth/tessera/app/internal/dbusconf"
)

// startTimeout bounds how long a desktop may take to come up (or to wait
// for another test process's desktop to stop), stopTimeout how long each of
// its process groups may take to exit after SIGTERM, and pollEvery is how
// often a condition is checked while waiting for it.
const (
	startTimeout = 20 * time.Second
	stopTimeout  = 5 * time.Second
	pollEvery    = 10 * time.Millisecond
)

// background is the colour around the picture on a desktop's screen.
var background = color.RGBA{0x33, 0x66, 0x99, 0xff}

// Bus names: the portal, its wlroots backend, the permission store, and the
// permission dialog this package serves.
const (
	portalName = "org.freedesktop.portal.Desktop"
	wlrName    = "org.freedesktop.impl.portal.desktop.wlr"
	storeName  = "org.freedesktop.impl.portal.PermissionStore"
	accessName = "org.freedesktop.impl.portal.desktop.tessera_test"
	portalPath = "/org/freedesktop/portal/desktop"
)

// programs are the commands a desktop runs, with the Debian packages that
// have them. Those in libexec are not on PATH.
var programs = []struct {
	name, pkg string
	libexec   bool
}{
	{"dbus-daemon", "dbus-daemon", false},
	{"sway", "sway", false},
	{"swaybg", "swaybg", false},
	{"grim", "grim", false},
	{"pipewire", "pipewire", false},
	{"xdg-permission-store", "xdg-desktop-portal", true},
	{"xdg-desktop-portal", "xdg-desktop-portal", true},
	{"xdg-desktop-portal-wlr", "xdg-desktop-portal-wlr", true},
}

// libexecDirs are where distributions put the portal services.
var libexecDirs = []string{"/usr/libexec", "/usr/lib", "/usr/lib/xdg-desktop-portal"}

// systemPortals is where xdg-desktop-portal-wlr installs its portal file.
const systemPortals = "/usr/share/xdg-desktop-portal/portals"

// Desktop is a running headless sway desktop with its screenshot portal.
type Desktop struct {
	env    map[string]string // of the desktop's own processes
	client []string          // the variables a client of the desktop needs
	conn   *dbus.Conn
	wlr    *proc
}

// Start brings up a desktop with one w×h output showing picture in its
// middle, and returns once a screenshot taken with grim, outside the portal,
// shows exactly that. Everything stops when the test ends. A missing
// program fails the test with the Debian package to install.
//
// xdg-desktop-portal-wlr writes every screenshot to the same file in /tmp,
// so one desktop runs on a machine at a time: Start first waits for any
// other test process's desktop to stop.
func Start(t testing.TB, w, h int, picture image.Image) *Desktop {
	t.Helper()
	pb := picture.Bounds()
	if pb.Dx() > w-2 || pb.Dy() > h-2 {
		t.Fatalf("wayland: a %dx%d picture does not fit inside a %dx%d screen", pb.Dx(), pb.Dy(), w, h)
	}
	bins := lookPrograms(t)
	deadline := time.Now().Add(startTimeout)
	lock(t, deadline)
	rt, swayUser := runtimeDir(t)

	// The wallpaper is the whole screen, so swaybg shows it pixel for
	// pixel and the screenshot can be compared with it exactly.
	screen := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(screen, screen.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	at := image.Pt((w-pb.Dx())/2, (h-pb.Dy())/2)
	draw.Draw(screen, pb.Sub(pb.Min).Add(at), picture, pb.Min, draw.Src)
	var wallpaper bytes.Buffer
	if err := png.Encode(&wallpaper, screen); err != nil {
		t.Fatalf("wayland: encoding the wallpaper: %v", err)
	}
	writeFile(t, filepath.Join(rt, "wallpaper.png"), wallpaper.Bytes())
	writeFile(t, filepath.Join(rt, "sway.conf"), fmt.Appendf(nil, "xwayland disable\noutput * resolution %dx%d position 0 0\n", w, h))
	writeFile(t, filepath.Join(rt, "bus.conf"), []byte(dbusconf.Session(filepath.Join(rt, "bus"))))
	for _, dir := range []string{"home", "config", "data", "cache", "portals"} {
		if err := os.Mkdir(filepath.Join(rt, dir), 0o700); err != nil {
			t.Fatalf("wayland: %v", err)
		}
	}
	writePortals(t, filepath.Join(rt, "portals"))

	d := &Desktop{env: map[string]string{
		"PATH":                   os.Getenv("PATH"),
		"LANG":                   "en_US.UTF-8",
		"HOME":                   filepath.Join(rt, "home"),
		"XDG_RUNTIME_DIR":        rt,
		"XDG_CONFIG_HOME":        filepath.Join(rt, "config"),
		"XDG_DATA_HOME":          filepath.Join(rt, "data"),
		"XDG_CACHE_HOME":         filepath.Join(rt, "cache"),
		"XDG_DESKTOP_PORTAL_DIR": filepath.Join(rt, "portals"),
		"XDG_CURRENT_DESKTOP":    "sway",
		"XDG_SESSION_TYPE":       "wayland",
	}}
	var procs []*proc
	t.Cleanup(func() {
		if d.conn != nil {
			d.conn.Close()
		}
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop()
		}
	})
	run := func(cred *syscall.Credential, env []string, extra []*os.File, name string, args ...string) *proc {
		t.Helper()
		p, err := startProc(cred, env, extra, bins[name], args...)
		if err != nil {
			t.Fatalf("wayland: %v", err)
		}
		p.name = name
		procs = append(procs, p)
		return p
	}
	// wait checks ready until it returns nil, failing the test at the
	// deadline or as soon as one of the desktop's processes has exited.
	wait := func(what string, ready func() error) {
		t.Helper()
		tick := time.NewTicker(pollEvery)
		defer tick.Stop()
		for {
			err := ready()
			if err == nil {
				return
			}
			for _, p := range procs {
				if p.exited() {
					t.Fatalf("wayland: %s exited while waiting for %s; its output:\n%s", p.name, what, p.out.String())
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("wayland: no %s after %v (%v); output so far:\n%s", what, startTimeout, err, outputs(procs))
			}
			<-tick.C
		}
	}

	// The session bus writes its address to fd 3 once it listens.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatalf("wayland: pipe: %v", err)
	}
	run(nil, d.environ(), []*os.File{wr}, "dbus-daemon", "--config-file="+filepath.Join(rt, "bus.conf"), "--nofork", "--print-address=3")
	wr.Close() // only dbus-daemon holds the write end now: EOF if it dies
	if err := r.SetReadDeadline(deadline); err != nil {
		t.Fatalf("wayland: pipe deadline: %v", err)
	}
	addr, err := bufio.NewReader(r).ReadString('\n')
	r.Close()
	if err != nil {
		t.Fatalf("wayland: dbus-daemon did not report its address (%v); its output:\n%s", err, outputs(procs))
	}
	d.env["DBUS_SESSION_BUS_ADDRESS"] = strings.TrimSpace(addr)

	swayEnv := []string{
		"PATH=" + d.env["PATH"], "LANG=" + d.env["LANG"], "HOME=" + rt, "XDG_RUNTIME_DIR=" + rt,
		"WLR_BACKENDS=headless", "WLR_LIBINPUT_NO_DEVICES=1", "WLR_RENDERER=pixman",
	}
	run(swayUser, swayEnv, nil, "sway", "-c", filepath.Join(rt, "sway.conf"))
	wait("Wayland socket", func() error {
		socks, _ := filepath.Glob(filepath.Join(rt, "wayland-[0-9]*"))
		for _, s := range socks {
			if !strings.HasSuffix(s, ".lock") {
				d.env["WAYLAND_DISPLAY"] = filepath.Base(s)
				return nil
			}
		}
		return errors.New("no socket yet")
	})

	run(nil, d.environ(), nil, "pipewire")
	wait("PipeWire socket", func() error {
		_, err := os.Stat(filepath.Join(rt, "pipewire-0"))
		return err
	})

	d.conn, err = dbus.Connect(d.env["DBUS_SESSION_BUS_ADDRESS"])
	if err != nil {
		t.Fatalf("wayland: connecting to the session bus: %v", err)
	}
	if err := d.conn.Export(access{}, portalPath, "org.freedesktop.impl.portal.Access"); err != nil {
		t.Fatalf("wayland: %v", err)
	}
	if reply, err := d.conn.RequestName(accessName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("wayland: owning %s: %v (reply %v)", accessName, err, reply)
	}

	run(nil, d.environ(), nil, "xdg-permission-store")
	wait(storeName+" on the bus", d.owned(storeName))
	d.wlr = run(nil, d.environ(), nil, "xdg-desktop-portal-wlr")
	wait(wlrName+" on the bus", d.owned(wlrName))
	run(nil, d.environ(), nil, "xdg-desktop-portal")
	wait(portalName+" on the bus", d.owned(portalName))

	run(nil, d.environ(), nil, "swaybg", "-o", "*", "-m", "center", "-i", filepath.Join(rt, "wallpaper.png"))
	grim := bins["grim"]
	wait("wallpaper in a screenshot", func() error {
		shot, err := d.grim(grim)
		if err != nil {
			return err
		}
		return sameImage(shot, screen)
	})

	for _, k := range []string{"WAYLAND_DISPLAY", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS", "XDG_CURRENT_DESKTOP", "XDG_SESSION_TYPE"} {
		d.client = append(d.client, k+"="+d.env[k])
	}
	return d
}

// Env returns what a program on the desktop finds in its environment, as
// KEY=value entries: WAYLAND_DISPLAY, XDG_RUNTIME_DIR,
// DBUS_SESSION_BUS_ADDRESS, XDG_CURRENT_DESKTOP and XDG_SESSION_TYPE.
func (d *Desktop) Env() []string {
	return append([]string(nil), d.client...)
}

// Getenv is os.Getenv for a program on the desktop: the value of one of
// the variables [Desktop.Env] lists, and "" for any other.
func (d *Desktop) Getenv(key string) string {
	for _, kv := range d.client {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// StopScreenshotBackend stops xdg-desktop-portal-wlr, as when it has
// crashed, and returns once it is off the bus: the portal then answers
// every screenshot request with response 2 (ended some other way).
func (d *Desktop) StopScreenshotBackend(t testing.TB) {
	t.Helper()
	d.wlr.stop()
	deadline := time.Now().Add(startTimeout)
	owned := d.owned(wlrName)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for owned() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("wayland: %s still on the bus %v after xdg-desktop-portal-wlr exited", wlrName, startTimeout)
		}
		<-tick.C
	}
}

// owned returns a check that name has an owner on the desktop's bus.
func (d *Desktop) owned(name string) func() error {
	return func() error {
		var has bool
		if err := d.conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
			return err
		}
		if !has {
			return errors.New("no owner yet")
		}
		return nil
	}
}

// grim takes a screenshot of the whole desktop with grim, as
// xdg-desktop-portal-wlr does, but outside the portal.
func (d *Desktop) grim(bin string) (image.Image, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-")
	cmd.Env = d.environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("grim: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		return nil, fmt.Errorf("grim's screenshot: %w", err)
	}
	return img, nil
}

// environ is the environment of the desktop's own processes.
func (d *Desktop) environ() []string {
	env := make([]string, 0, len(d.env))
	for k, v := range d.env {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

// access is the permission dialog of the desktop (the
// org.freedesktop.impl.portal.Access backend interface): the person allows.
type access struct{}

// AccessDialog answers 0, granted, to any question.
func (access) AccessDialog(handle dbus.ObjectPath, appID, parentWindow, title, subtitle, body string, options map[string]dbus.Variant) (uint32, map[string]dbus.Variant, *dbus.Error) {
	return 0, map[string]dbus.Variant{}, nil
}

// sameImage says where got differs from want, if anywhere.
func sameImage(got, want image.Image) error {
	if got.Bounds() != want.Bounds() {
		return fmt.Errorf("screenshot is %v, want %v", got.Bounds(), want.Bounds())
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g, w := color.RGBAModel.Convert(got.At(x, y)), color.RGBAModel.Convert(want.At(x, y))
			if g != w {
				return fmt.Errorf("screenshot pixel (%d,%d) is %v, want %v", x, y, g, w)
			}
		}
	}
	return nil
}

// lookPrograms finds every program a desktop runs, or fails the test
// naming all that are missing and their packages.
func lookPrograms(t testing.TB) map[string]string {
	t.Helper()
	bins := map[string]string{}
	var missing []string
	for _, p := range programs {
		if p.libexec {
			for _, dir := range libexecDirs {
				if path := filepath.Join(dir, p.name); isExecutable(path) {
					bins[p.name] = path
					break
				}
			}
		} else if path, err := exec.LookPath(p.name); err == nil {
			bins[p.name] = path
		}
		if bins[p.name] == "" {
			missing = append(missing, fmt.Sprintf("%s (Debian package %s)", p.name, p.pkg))
		}
	}
	if len(missing) > 0 {
		t.Fatalf("wayland: not found: %s: run `make test-deps` or install those packages", strings.Join(missing, ", "))
	}
	return bins
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// lock waits until no other test process has a desktop, and holds that
// until the test ends.
func lock(t testing.TB, deadline time.Time) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "tessera-wayland-e2e.lock")
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatalf("wayland: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Fatalf("wayland: locking %s: %v", path, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("wayland: another test process has held %s for %v", path, startTimeout)
		}
		<-tick.C
	}
}

// runtimeDir makes the desktop's XDG_RUNTIME_DIR, removed when the test
// ends, and says whom sway runs as: nil for the test's own user, nobody
// (who then owns the directory) when the test runs as root.
func runtimeDir(t testing.TB) (string, *syscall.Credential) {
	t.Helper()
	// Not t.TempDir: nobody could not reach into it.
	rt, err := os.MkdirTemp("", "tessera-wayland-")
	if err != nil {
		t.Fatalf("wayland: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(rt) })
	if os.Geteuid() != 0 {
		return rt, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("wayland: sway refuses to run as root, and there is no user nobody to run it as: %v", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("wayland: user nobody: %v", err)
	}
	if err := os.Chown(rt, int(uid), int(gid)); err != nil {
		t.Fatalf("wayland: %v", err)
	}
	return rt, &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// writePortals puts in dir the portal files xdg-desktop-portal reads: the
// installed one of xdg-desktop-portal-wlr and one for the permission dialog
// this package serves.
func writePortals(t testing.TB, dir string) {
	t.Helper()
	wlr, err := os.ReadFile(filepath.Join(systemPortals, "wlr.portal"))
	if err != nil {
		t.Fatalf("wayland: %v: run `make test-deps` or install the Debian package xdg-desktop-portal-wlr", err)
	}
	writeFile(t, filepath.Join(dir, "wlr.portal"), wlr)
	writeFile(t, filepath.Join(dir, "tessera-test.portal"), []byte("[portal]\nDBusName="+accessName+
		"\nInterfaces=org.freedesktop.impl.portal.Access;\nUseIn=sway;\n"))
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("wayland: %v", err)
	}
}

// proc is one of a desktop's processes, leader of its own process group.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// startProc starts bin with args in a process group of its own, as cred
// (nil: the test's user), with exactly env and extra as fds 3 and up.
func startProc(cred *syscall.Credential, env []string, extra []*os.File, bin string, args ...string) (*proc, error) {
	p := &proc{cmd: exec.Command(bin, args...), out: new(lockedBuffer), done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.ExtraFiles = extra
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop ends the process group: SIGTERM to all of it, SIGKILL after
// stopTimeout. Once the leader is gone, whatever else is left in the group
// (a grim the portal started, say) gets the same time before SIGKILL: while
// anything is left, the group's ID cannot be given to another process.
// stop may be called more than once.
func (p *proc) stop() {
	pgid := p.cmd.Process.Pid
	if !p.exited() {
		syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopTimeout):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	}
	deadline := time.Now().Add(stopTimeout)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(-pgid, syscall.SIGKILL)
			return
		}
		time.Sleep(pollEvery)
	}
}

// outputs is what every process has printed so far, for error messages.
func outputs(procs []*proc) string {
	var b strings.Builder
	for _, p := range procs {
		fmt.Fprintf(&b, "--- %s:\n%s\n", p.name, p.out.String())
	}
	return b.String()
}

// lockedBuffer collects a child's output while it runs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

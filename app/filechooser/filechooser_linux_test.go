package filechooser_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/tessera-auth/tessera/app/filechooser"
	"github.com/tessera-auth/tessera/app/internal/dbusconf"
)

// startBus starts a private dbus-daemon and returns its address.
func startBus(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Fatal("dbus-daemon not found: install it with apt-get install dbus-daemon")
	}
	dir, err := os.MkdirTemp("", "tessera-bus-") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(dbusconf.Session(filepath.Join(dir, "bus"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+conf, "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(line)
}

// portal plays xdg-desktop-portal's FileChooser on the bus: it records the
// request and answers with code and uris.
type portal struct {
	mu    sync.Mutex // the bus calls OpenFile on its own goroutine
	conn  *dbus.Conn
	code  uint32
	uris  []string
	title string
	opts  map[string]dbus.Variant
}

func (p *portal) OpenFile(sender dbus.Sender, parent, title string, opts map[string]dbus.Variant) (dbus.ObjectPath, *dbus.Error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.title, p.opts = title, opts
	code, uris := p.code, p.uris
	token, _ := opts["handle_token"].Value().(string)
	handle := dbus.ObjectPath("/org/freedesktop/portal/desktop/request/" +
		strings.ReplaceAll(strings.TrimPrefix(string(sender), ":"), ".", "_") + "/" + token)
	go func() {
		time.Sleep(20 * time.Millisecond) // answers after replying, as the portal does once the person has chosen
		p.conn.Emit(handle, "org.freedesktop.portal.Request.Response", code, map[string]dbus.Variant{"uris": dbus.MakeVariant(uris)})
	}()
	return handle, nil
}

type props struct{}

func (props) Get(iface, name string) (dbus.Variant, *dbus.Error) {
	if iface == "org.freedesktop.portal.FileChooser" && name == "version" {
		return dbus.MakeVariant(uint32(4)), nil
	}
	return dbus.Variant{}, dbus.MakeFailedError(errors.New("no such property"))
}

func serve(t *testing.T, addr string, p *portal) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p.conn = conn
	path := dbus.ObjectPath("/org/freedesktop/portal/desktop")
	if err := conn.Export(p, path, "org.freedesktop.portal.FileChooser"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(props{}, path, "org.freedesktop.DBus.Properties"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName("org.freedesktop.portal.Desktop", 0); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning the portal's name: %v %v", reply, err)
	}
}

func TestOpen(t *testing.T) {
	addr := startBus(t)
	env := func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return addr
		}
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	filters := []filechooser.Filter{{"Images", []string{"*.png", "*.jpg"}}}

	// No portal on the bus: the caller's own dialog.
	if _, err := filechooser.Open(ctx, env, "Open", filters); !errors.Is(err, filechooser.ErrNoPortal) {
		t.Fatalf("without a portal: %v, want ErrNoPortal", err)
	}

	p := &portal{uris: []string{"file:///home/me/Pictures/QR%20code.png"}}
	serve(t, addr, p)
	got, err := filechooser.Open(ctx, env, "Open an image of a QR code", filters)
	if err != nil || got != "/home/me/Pictures/QR code.png" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	p.mu.Lock()
	title, opts := p.title, p.opts
	p.code, p.uris = 1, nil
	p.mu.Unlock()
	if title != "Open an image of a QR code" {
		t.Fatalf("the chooser was titled %q", title)
	}
	if f, ok := opts["filters"]; !ok || !strings.Contains(f.String(), `"*.png"`) {
		t.Fatalf("filters sent: %v", opts["filters"])
	}

	if _, err := filechooser.Open(ctx, env, "Open", filters); !errors.Is(err, filechooser.ErrCancelled) {
		t.Fatalf("cancelled: %v", err)
	}
	p.mu.Lock()
	p.code, p.uris = 0, []string{"https://example.com/x.png"}
	p.mu.Unlock()
	if _, err := filechooser.Open(ctx, env, "Open", filters); err == nil {
		t.Fatal("a remote file was accepted")
	}
}

package filechooser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/godbus/dbus/v5"
)

const (
	portalName    = "org.freedesktop.portal.Desktop"
	portalPath    = "/org/freedesktop/portal/desktop"
	portalRequest = "org.freedesktop.portal.Request"
	chooserIface  = "org.freedesktop.portal.FileChooser"
)

// Open asks the desktop's file chooser for one local file and returns its
// path. The session bus is the one DBUS_SESSION_BUS_ADDRESS names, as
// getenv reads it, else $XDG_RUNTIME_DIR/bus; without either there is no
// portal (no bus is started for it). ctx bounds the whole wait, which
// includes the person choosing.
func Open(ctx context.Context, getenv func(string) string, title string, filters []Filter) (string, error) {
	addr := getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		sock := filepath.Join(getenv("XDG_RUNTIME_DIR"), "bus")
		if fi, err := os.Stat(sock); getenv("XDG_RUNTIME_DIR") == "" || err != nil || fi.Mode()&fs.ModeSocket == 0 {
			return "", ErrNoPortal
		}
		addr = "unix:path=" + sock
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return "", fmt.Errorf("%w: no D-Bus session bus: %v", ErrNoPortal, err)
	}
	defer conn.Close()
	if !served(ctx, conn) {
		return "", ErrNoPortal
	}

	// Listen on the request's documented path before asking, so the
	// answer cannot arrive first.
	var tok [8]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return "", err
	}
	token := "tessera_" + hex.EncodeToString(tok[:])
	sender := strings.ReplaceAll(strings.TrimPrefix(conn.Names()[0], ":"), ".", "_")
	path := dbus.ObjectPath(portalPath + "/request/" + sender + "/" + token)
	if err := conn.AddMatchSignal(dbus.WithMatchObjectPath(path), dbus.WithMatchInterface(portalRequest), dbus.WithMatchMember("Response")); err != nil {
		return "", fmt.Errorf("file chooser portal: %w", err)
	}
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)

	type pattern struct {
		Kind uint32
		Glob string
	}
	type filter struct {
		Name     string
		Patterns []pattern
	}
	var fs []filter
	for _, f := range filters {
		ps := make([]pattern, len(f.Patterns))
		for i, p := range f.Patterns {
			ps[i] = pattern{0, p}
		}
		fs = append(fs, filter{f.Name, ps})
	}
	opts := map[string]dbus.Variant{
		"handle_token": dbus.MakeVariant(token),
		"modal":        dbus.MakeVariant(true),
		"multiple":     dbus.MakeVariant(false),
	}
	if len(fs) > 0 {
		opts["filters"] = dbus.MakeVariant(fs)
	}
	var handle dbus.ObjectPath
	call := conn.Object(portalName, portalPath).CallWithContext(ctx, chooserIface+".OpenFile", 0, "", title, opts)
	if err := call.Store(&handle); err != nil {
		return "", fmt.Errorf("file chooser portal: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			conn.Object(portalName, handle).Call(portalRequest+".Close", dbus.FlagNoReplyExpected)
			return "", fmt.Errorf("file chooser portal: no answer: %w", ctx.Err())
		case sig, ok := <-signals:
			if !ok {
				return "", fmt.Errorf("file chooser portal: D-Bus connection closed")
			}
			if sig.Path != handle || sig.Name != portalRequest+".Response" {
				continue
			}
			return readResponse(sig.Body)
		}
	}
}

// served reports whether a portal on the bus has a FileChooser: running,
// or startable by the bus, and answering for the interface's version.
func served(ctx context.Context, conn *dbus.Conn) bool {
	var v dbus.Variant
	err := conn.Object(portalName, portalPath).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, chooserIface, "version").Store(&v)
	return err == nil
}

// readResponse reads the (response code, results) pair of an OpenFile
// request: the path of the one local file chosen.
func readResponse(body []any) (string, error) {
	if len(body) != 2 {
		return "", fmt.Errorf("file chooser portal: unexpected answer %v", body)
	}
	code, _ := body[0].(uint32)
	results, _ := body[1].(map[string]dbus.Variant)
	switch code {
	case 0:
	case 1:
		return "", ErrCancelled
	default:
		return "", fmt.Errorf("file chooser portal: the request ended (code %d)", code)
	}
	uris, _ := results["uris"].Value().([]string)
	if len(uris) != 1 {
		return "", fmt.Errorf("file chooser portal: %d files chosen, want one", len(uris))
	}
	u, err := url.Parse(uris[0])
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return "", fmt.Errorf("file chooser portal: %q is not a local file", uris[0])
	}
	return u.Path, nil
}

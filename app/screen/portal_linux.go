package screen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/jpeg" // portals may hand back JPEG
	_ "image/png"  // and usually PNG
	"net/url"
	"os"
	"strings"

	"github.com/godbus/dbus/v5"
)

const (
	portalName    = "org.freedesktop.portal.Desktop"
	portalPath    = "/org/freedesktop/portal/desktop"
	portalRequest = "org.freedesktop.portal.Request"
)

// capturePortal asks xdg-desktop-portal for a screenshot of the whole
// desktop (the desktop may ask the person first), reads the file it wrote
// and removes it: a picture of a secret QR code should not stay on disk.
// The session bus is the one DBUS_SESSION_BUS_ADDRESS names, as getenv reads
// it, or else godbus's default.
func capturePortal(ctx context.Context, getenv func(string) string) ([]image.Image, error) {
	var conn *dbus.Conn
	var err error
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		conn, err = dbus.Connect(addr)
	} else {
		conn, err = dbus.ConnectSessionBus()
	}
	if err != nil {
		return nil, fmt.Errorf("desktop portal: no D-Bus session bus: %w", err)
	}
	defer conn.Close()

	// Listen on the request's path before asking, so the answer cannot
	// arrive before we listen. The path is the portal's documented
	// /org/freedesktop/portal/desktop/request/SENDER/TOKEN.
	var tok [8]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	token := "tessera_" + hex.EncodeToString(tok[:])
	sender := strings.ReplaceAll(strings.TrimPrefix(conn.Names()[0], ":"), ".", "_")
	path := dbus.ObjectPath(portalPath + "/request/" + sender + "/" + token)
	if err := conn.AddMatchSignal(dbus.WithMatchObjectPath(path), dbus.WithMatchInterface(portalRequest), dbus.WithMatchMember("Response")); err != nil {
		return nil, fmt.Errorf("desktop portal: %w", err)
	}
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)

	opts := map[string]dbus.Variant{
		"handle_token": dbus.MakeVariant(token),
		"modal":        dbus.MakeVariant(true),
		"interactive":  dbus.MakeVariant(false),
	}
	var handle dbus.ObjectPath
	call := conn.Object(portalName, portalPath).CallWithContext(ctx, "org.freedesktop.portal.Screenshot.Screenshot", 0, "", opts)
	if err := call.Store(&handle); err != nil {
		return nil, fmt.Errorf("desktop portal Screenshot: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			// Withdraw the request without waiting for an answer: a portal
			// that never answered the request may not answer this either.
			conn.Object(portalName, handle).Call(portalRequest+".Close", dbus.FlagNoReplyExpected)
			return nil, fmt.Errorf("desktop portal: no answer: %w", ctx.Err())
		case sig, ok := <-signals:
			if !ok {
				return nil, fmt.Errorf("desktop portal: D-Bus connection closed")
			}
			if sig.Path != handle || sig.Name != portalRequest+".Response" {
				continue
			}
			return readPortalResponse(sig.Body)
		}
	}
}

// readPortalResponse reads the (response code, results) pair of a
// Screenshot request.
func readPortalResponse(body []any) ([]image.Image, error) {
	if len(body) != 2 {
		return nil, fmt.Errorf("desktop portal: unexpected answer %v", body)
	}
	code, _ := body[0].(uint32)
	results, _ := body[1].(map[string]dbus.Variant)
	if code != 0 {
		return nil, ErrRefused
	}
	uri, _ := results["uri"].Value().(string)
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return nil, fmt.Errorf("desktop portal: screenshot at %q is not a local file", uri)
	}
	f, err := os.Open(u.Path)
	if err != nil {
		return nil, fmt.Errorf("desktop portal: %w", err)
	}
	defer os.Remove(u.Path)
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("desktop portal: reading %s: %w", u.Path, err)
	}
	return []image.Image{img}, nil
}

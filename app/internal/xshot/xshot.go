// Package xshot takes screenshots of an X server by speaking the X11
// protocol itself (connection setup and one GetImage request), so that
// end-to-end tests need no screenshot tool. It supports what Xvfb serves:
// TrueColor screens of depth 24 with 32 bits a pixel, on a local Unix
// socket without authentication.
package xshot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Capture returns the rectangle r of the root window of display (":N").
// An empty r means the whole screen.
func Capture(display string, r image.Rectangle) (*image.RGBA, error) {
	n, ok := strings.CutPrefix(display, ":")
	if !ok {
		return nil, fmt.Errorf("xshot: display %q is not of the form :N", display)
	}
	if i := strings.IndexByte(n, '.'); i >= 0 {
		n = n[:i]
	}
	if _, err := strconv.Atoi(n); err != nil {
		return nil, fmt.Errorf("xshot: display %q is not of the form :N", display)
	}
	conn, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+n, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("xshot: connecting to display %s: %w", display, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	s, err := setup(conn)
	if err != nil {
		return nil, fmt.Errorf("xshot: display %s: %w", display, err)
	}
	screen := image.Rect(0, 0, s.width, s.height)
	if r.Empty() {
		r = screen
	}
	r = r.Intersect(screen)
	if r.Empty() {
		return nil, errors.New("xshot: the rectangle lies outside the screen")
	}
	return getImage(conn, s, r)
}

type screenInfo struct {
	root          uint32
	depth         int
	width, height int
	bpp           int
	msbFirst      bool
}

var le = binary.LittleEndian

func pad4(n int) int { return (n + 3) &^ 3 }

// setup performs the connection handshake and reads the first screen.
func setup(c io.ReadWriter) (*screenInfo, error) {
	// Little-endian ('l'), protocol 11.0, no authorisation.
	req := []byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := c.Write(req); err != nil {
		return nil, err
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(c, head); err != nil {
		return nil, fmt.Errorf("reading the setup reply: %w", err)
	}
	body := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(c, body); err != nil {
		return nil, fmt.Errorf("reading the setup reply: %w", err)
	}
	if head[0] != 1 {
		reason := string(body)
		if head[0] == 0 && int(head[1]) <= len(body) {
			reason = string(body[:head[1]])
		}
		return nil, fmt.Errorf("the server refused the connection: %q", reason)
	}
	if len(body) < 32 {
		return nil, errors.New("setup reply too short")
	}
	vendorLen := int(le.Uint16(body[16:]))
	nScreens := int(body[20])
	nFormats := int(body[21])
	s := &screenInfo{msbFirst: body[22] == 1}
	off := 32 + pad4(vendorLen)
	formats := map[int]int{} // depth -> bits per pixel
	for i := 0; i < nFormats; i++ {
		if off+8 > len(body) {
			return nil, errors.New("setup reply truncated in the pixmap formats")
		}
		formats[int(body[off])] = int(body[off+1])
		off += 8
	}
	if nScreens < 1 || off+40 > len(body) {
		return nil, errors.New("setup reply has no screen")
	}
	scr := body[off:]
	s.root = le.Uint32(scr[0:])
	s.width = int(le.Uint16(scr[20:]))
	s.height = int(le.Uint16(scr[22:]))
	s.depth = int(scr[38])
	s.bpp = formats[s.depth]
	if s.depth != 24 || s.bpp != 32 {
		return nil, fmt.Errorf("screen depth %d with %d bits a pixel is not supported (want 24 and 32)", s.depth, s.bpp)
	}
	return s, nil
}

// getImage sends GetImage (ZPixmap) for r of the root window and converts
// the reply.
func getImage(c io.ReadWriter, s *screenInfo, r image.Rectangle) (*image.RGBA, error) {
	req := make([]byte, 20)
	req[0] = 73 // GetImage
	req[1] = 2  // ZPixmap
	le.PutUint16(req[2:], 5)
	le.PutUint32(req[4:], s.root)
	le.PutUint16(req[8:], uint16(r.Min.X))
	le.PutUint16(req[10:], uint16(r.Min.Y))
	le.PutUint16(req[12:], uint16(r.Dx()))
	le.PutUint16(req[14:], uint16(r.Dy()))
	le.PutUint32(req[16:], 0xffffffff)
	if _, err := c.Write(req); err != nil {
		return nil, fmt.Errorf("xshot: sending GetImage: %w", err)
	}
	head := make([]byte, 32)
	if _, err := io.ReadFull(c, head); err != nil {
		return nil, fmt.Errorf("xshot: reading the image: %w", err)
	}
	if head[0] == 0 {
		return nil, fmt.Errorf("xshot: GetImage failed with X error code %d", head[1])
	}
	n := int(le.Uint32(head[4:])) * 4
	if want := r.Dx() * r.Dy() * 4; n < want {
		return nil, fmt.Errorf("xshot: image reply holds %d bytes, want %d", n, want)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(c, data); err != nil {
		return nil, fmt.Errorf("xshot: reading the image: %w", err)
	}
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for i, j := 0, 0; j < len(img.Pix); i, j = i+4, j+4 {
		p := data[i : i+4]
		if s.msbFirst { // X R G B
			img.Pix[j], img.Pix[j+1], img.Pix[j+2] = p[1], p[2], p[3]
		} else { // B G R X
			img.Pix[j], img.Pix[j+1], img.Pix[j+2] = p[2], p[1], p[0]
		}
		img.Pix[j+3] = 0xff
	}
	return img, nil
}

package screen

import (
	"fmt"
	"image"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xinerama"
	"github.com/jezek/xgb/xproto"

	"github.com/tessera-auth/tessera/app/internal/xconn"
)

// captureX11 returns each monitor of the X display's default screen. It
// speaks the X protocol directly (no Xlib, no cgo) and reads the
// authorization cookie from XAUTHORITY like any X client.
func captureX11(display string) ([]image.Image, error) {
	conn, err := xconn.Dial(display)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	setup := xproto.Setup(conn)
	root := setup.DefaultScreen(conn)
	bpp := 0
	for _, f := range setup.PixmapFormats {
		if f.Depth == root.RootDepth {
			bpp = int(f.BitsPerPixel)
		}
	}
	if root.RootDepth < 24 || bpp != 32 {
		return nil, fmt.Errorf("X11 display %s: %d-bit colour with %d bits a pixel is not supported (want 24 or 32-bit colour)", display, root.RootDepth, bpp)
	}
	msbFirst := setup.ImageByteOrder == xproto.ImageOrderMSBFirst

	monitors := []image.Rectangle{image.Rect(0, 0, int(root.WidthInPixels), int(root.HeightInPixels))}
	if xinerama.Init(conn) == nil {
		if r, err := xinerama.QueryScreens(conn).Reply(); err == nil && len(r.ScreenInfo) > 0 {
			monitors = monitors[:0]
			for _, s := range r.ScreenInfo {
				monitors = append(monitors, image.Rect(int(s.XOrg), int(s.YOrg), int(s.XOrg)+int(s.Width), int(s.YOrg)+int(s.Height)))
			}
		}
	}
	var imgs []image.Image
	for _, m := range monitors {
		img, err := getImage(conn, root.Root, m, msbFirst)
		if err != nil {
			return nil, fmt.Errorf("X11 display %s: reading monitor %v: %w", display, m, err)
		}
		imgs = append(imgs, img)
	}
	return imgs, nil
}

// getImage reads rectangle r of the root window in strips, keeping each
// reply well under the protocol's size limit.
func getImage(conn *xgb.Conn, root xproto.Window, r image.Rectangle, msbFirst bool) (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	const maxReply = 16 << 20
	strip := max(1, maxReply/(4*max(1, r.Dx())))
	for y := 0; y < r.Dy(); y += strip {
		h := min(strip, r.Dy()-y)
		rep, err := xproto.GetImage(conn, xproto.ImageFormatZPixmap, xproto.Drawable(root),
			int16(r.Min.X), int16(r.Min.Y+y), uint16(r.Dx()), uint16(h), 0xffffffff).Reply()
		if err != nil {
			return nil, err
		}
		if len(rep.Data) < 4*r.Dx()*h {
			return nil, fmt.Errorf("short reply: %d bytes for %dx%d pixels", len(rep.Data), r.Dx(), h)
		}
		for i := 0; i < r.Dx()*h; i++ {
			p := rep.Data[4*i : 4*i+4]
			o := img.PixOffset(0, y) + 4*i
			if msbFirst { // xRGB
				img.Pix[o], img.Pix[o+1], img.Pix[o+2] = p[1], p[2], p[3]
			} else { // BGRx
				img.Pix[o], img.Pix[o+1], img.Pix[o+2] = p[2], p[1], p[0]
			}
			img.Pix[o+3] = 255
		}
	}
	return img, nil
}

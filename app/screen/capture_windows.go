package screen

import (
	"context"
	"fmt"
	"image"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	gdi32  = windows.NewLazySystemDLL("gdi32.dll")

	procSetProcessDPIAware     = user32.NewProc("SetProcessDPIAware")
	procGetSystemMetrics       = user32.NewProc("GetSystemMetrics")
	procGetDC                  = user32.NewProc("GetDC")
	procReleaseDC              = user32.NewProc("ReleaseDC")
	procCreateCompatibleDC     = gdi32.NewProc("CreateCompatibleDC")
	procCreateCompatibleBitmap = gdi32.NewProc("CreateCompatibleBitmap")
	procSelectObject           = gdi32.NewProc("SelectObject")
	procBitBlt                 = gdi32.NewProc("BitBlt")
	procGetDIBits              = gdi32.NewProc("GetDIBits")
	procDeleteObject           = gdi32.NewProc("DeleteObject")
	procDeleteDC               = gdi32.NewProc("DeleteDC")
)

const (
	smXVirtualScreen  = 76
	smYVirtualScreen  = 77
	smCXVirtualScreen = 78
	smCYVirtualScreen = 79
	srcCopy           = 0x00CC0020
	captureBlt        = 0x40000000
	dibRGBColors      = 0
)

// bitmapInfoHeader is Windows' BITMAPINFOHEADER.
type bitmapInfoHeader struct {
	Size          uint32
	Width         int32
	Height        int32
	Planes        uint16
	BitCount      uint16
	Compression   uint32
	SizeImage     uint32
	XPelsPerMeter int32
	YPelsPerMeter int32
	ClrUsed       uint32
	ClrImportant  uint32
}

// capture copies the whole virtual desktop, every monitor, into one image
// through GDI, in physical pixels (the process declares itself DPI aware so
// Windows does not hand it a scaled-down copy).
func capture(ctx context.Context, _ func(string) string) ([]image.Image, error) {
	procSetProcessDPIAware.Call()
	metric := func(i uintptr) int {
		r, _, _ := procGetSystemMetrics.Call(i)
		return int(int32(r))
	}
	x, y := metric(smXVirtualScreen), metric(smYVirtualScreen)
	w, h := metric(smCXVirtualScreen), metric(smCYVirtualScreen)
	if w <= 0 || h <= 0 {
		return nil, ErrNoDisplay
	}
	screenDC, _, err := procGetDC.Call(0)
	if screenDC == 0 {
		return nil, failed("GetDC", err)
	}
	defer procReleaseDC.Call(0, screenDC)
	memDC, _, err := procCreateCompatibleDC.Call(screenDC)
	if memDC == 0 {
		return nil, failed("CreateCompatibleDC", err)
	}
	defer procDeleteDC.Call(memDC)
	bmp, _, err := procCreateCompatibleBitmap.Call(screenDC, uintptr(w), uintptr(h))
	if bmp == 0 {
		return nil, failed(fmt.Sprintf("CreateCompatibleBitmap %dx%d", w, h), err)
	}
	defer procDeleteObject.Call(bmp)
	old, _, _ := procSelectObject.Call(memDC, bmp)
	defer procSelectObject.Call(memDC, old)
	if r, _, err := procBitBlt.Call(memDC, 0, 0, uintptr(w), uintptr(h), screenDC, uintptr(x), uintptr(y), srcCopy|captureBlt); r == 0 {
		return nil, failed(fmt.Sprintf("copying the %dx%d screen (BitBlt)", w, h), err)
	}
	hdr := bitmapInfoHeader{Width: int32(w), Height: -int32(h), Planes: 1, BitCount: 32}
	hdr.Size = uint32(unsafe.Sizeof(hdr))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if r, _, err := procGetDIBits.Call(memDC, bmp, 0, uintptr(h), uintptr(unsafe.Pointer(&img.Pix[0])), uintptr(unsafe.Pointer(&hdr)), dibRGBColors); r == 0 {
		return nil, failed("GetDIBits", err)
	}
	// GDI writes BGRx; make it RGBA.
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+2], img.Pix[i+3] = img.Pix[i+2], img.Pix[i], 255
	}
	return []image.Image{img}, nil
}

// failed is the error of a GDI call that returned 0. Most GDI functions set
// no last error when they fail, and Windows words error 0 "The operation
// completed successfully" (Wine: "Success."), which would read as nonsense
// after "failed"; so the system's error is told only when there is one.
func failed(call string, err error) error {
	if errno, ok := err.(syscall.Errno); ok && errno != 0 {
		return fmt.Errorf("%s failed: %w", call, err)
	}
	return fmt.Errorf("%s failed", call)
}

//go:build windows && wine

package clipboard

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/image/bmp"
	"golang.org/x/sys/windows"

	"github.com/tessera-auth/tessera/otp/qr"
)

// wineEnv names the environment variable through which the harness that
// runs TestWineClipboardX11 under Wine (app/internal/wine) says what it put
// on the X clipboard of the Wine desktop's X server: a JSON wineClipboard.
const wineEnv = "TESSERA_WINE_CLIPBOARD"

// wineClipboard is what the X clipboard holds, offered by xclip.
type wineClipboard struct {
	// Type is the one X target xclip offers: image/png, image/bmp,
	// image/jpeg or UTF8_STRING.
	Type string
	File string // holds what xclip offers
	QR   string // the text of the QR code in the image
}

var (
	gdi32 = windows.NewLazySystemDLL("gdi32.dll")

	procGetDesktopWindow       = user32.NewProc("GetDesktopWindow")
	procGetClipboardOwner      = user32.NewProc("GetClipboardOwner")
	procEmptyClipboard         = user32.NewProc("EmptyClipboard")
	procSetClipboardData       = user32.NewProc("SetClipboardData")
	procCreateWindowExW        = user32.NewProc("CreateWindowExW")
	procDestroyWindow          = user32.NewProc("DestroyWindow")
	procGetDC                  = user32.NewProc("GetDC")
	procReleaseDC              = user32.NewProc("ReleaseDC")
	procCreateCompatibleBitmap = gdi32.NewProc("CreateCompatibleBitmap")
	procSetDIBits              = gdi32.NewProc("SetDIBits")
	procGlobalAlloc            = kernel32.NewProc("GlobalAlloc")
)

const (
	cfBitmap      = 2
	cfUnicodeText = 13
	hwndMessage   = ^uintptr(2) // HWND_MESSAGE, (HWND)-3
)

// formatOf is the Windows format Wine's X11 driver makes of each X target,
// the one to wait for before reading.
var formatOf = map[string]winFormat{
	"image/png":   {name: "PNG"},
	"image/bmp":   {name: "CF_DIB", id: cfDIB},
	"image/jpeg":  {name: "JFIF"},
	"UTF8_STRING": {name: "CF_UNICODETEXT", id: cfUnicodeText},
}

// onThread runs f on a goroutine locked to its OS thread, as the clipboard
// calls want, and returns what it returns.
func onThread(f func() ([]byte, error)) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b, err := f()
		ch <- result{b, err}
	}()
	r := <-ch
	return r.b, r.err
}

// readFormat returns the raw data of format f on the clipboard.
func readFormat(f winFormat) ([]byte, error) {
	return onThread(func() ([]byte, error) {
		b, _, err := readClipboard(context.Background(), []winFormat{f}, new(atomic.Bool))
		return b, err
	})
}

// desktopStarted is set once startDesktop has seen the clipboard manager
// take the clipboard.
var desktopStarted atomic.Bool

// startDesktop starts Wine's desktop process, which runs the clipboard
// manager, as the first program to ask for the desktop window does, and
// the first time waits until the manager has taken the clipboard, as it
// does when it starts (emptying it, or taking in the X clipboard). A copy
// made before would be lost. Later calls find the manager running; the
// clipboard's owner may then be a window that is gone, which Windows
// reports as none.
func startDesktop(t *testing.T) {
	t.Helper()
	procGetDesktopWindow.Call()
	if desktopStarted.Load() {
		return
	}
	waitUntil(t, "Wine's clipboard manager to own the clipboard", func() bool {
		r, _, _ := procGetClipboardOwner.Call()
		return r != 0
	})
	desktopStarted.Store(true)
}

// waitUntil polls cond until it holds, failing the test after 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 20 s waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readImage10s is Image with a 10 s bound.
func readImage10s() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return Image(ctx, os.Getenv)
}

// decodeQR returns the text of the one QR code in an image file.
func decodeQR(t *testing.T, what string, b []byte) string {
	t.Helper()
	texts, err := qr.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(texts) != 1 {
		t.Fatalf("%s: %d QR codes, want 1: %q", what, len(texts), texts)
	}
	return texts[0]
}

// checkDIBs reads CF_DIB and CF_DIBV5, which Windows makes of each other
// and of CF_BITMAP, converts each to PNG, and checks its pixels against
// pic's and the QR code's text against want.
func checkDIBs(t *testing.T, pic image.Image, want string) {
	t.Helper()
	for _, f := range []winFormat{{name: "CF_DIB", id: cfDIB}, {name: "CF_DIBV5", id: cfDIBV5}} {
		b, err := readFormat(f)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		d, err := parseDIB(b)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		le := binary.LittleEndian
		t.Logf("%s: %d-byte header, %dx%d, %d bits, compression %d, masks %#x, top-down %v",
			f.name, le.Uint32(b), d.width, d.height, d.bitCount, le.Uint32(b[16:]), d.masks, d.topDown)
		conv, err := dibToPNG(b)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		samePixels(t, f.name+" as PNG", conv, pic)
		if text := decodeQR(t, f.name+" as PNG", conv); text != want {
			t.Fatalf("%s: decoded %q, want %q", f.name, text, want)
		}
	}
}

// samePixels checks that the image file b shows pic.
func samePixels(t *testing.T, what string, b []byte, pic image.Image) {
	t.Helper()
	got, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got.Bounds() != pic.Bounds() {
		t.Fatalf("%s: %v, want %v", what, got.Bounds(), pic.Bounds())
	}
	r := pic.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if g, w := color.RGBAModel.Convert(got.At(x, y)), color.RGBAModel.Convert(pic.At(x, y)); g != w {
				t.Fatalf("%s: pixel %d,%d is %v, want %v", what, x, y, g, w)
			}
		}
	}
}

// TestWineClipboardX11 reads what xclip offers on the X clipboard, through
// Wine's X11 driver, which turns X targets into Windows formats: image/png
// into "PNG", image/bmp into CF_DIB, image/jpeg into "JFIF", text into
// CF_UNICODETEXT.
func TestWineClipboardX11(t *testing.T) {
	spec := os.Getenv(wineEnv)
	if spec == "" {
		t.Fatalf("%s is not set: this test runs under Wine from app/internal/wine's TestWineClipboard (make wine)", wineEnv)
	}
	var want wineClipboard
	if err := json.Unmarshal([]byte(spec), &want); err != nil {
		t.Fatalf("%s: %v", wineEnv, err)
	}
	f, ok := formatOf[want.Type]
	if !ok {
		t.Fatalf("%s: unknown type %q", wineEnv, want.Type)
	}
	data, err := os.ReadFile(want.File)
	if err != nil {
		t.Fatal(err)
	}
	// Wine's clipboard manager takes in the X clipboard when it starts and
	// when the X clipboard changes; the harness offers a format the
	// clipboard did not hold before.
	procGetDesktopWindow.Call()
	id := f.id
	if id == 0 {
		id = registerFormat(t, f.name)
	}
	waitUntil(t, "the clipboard to offer "+f.name, func() bool {
		r, _, _ := procIsClipboardFormatAvailable.Call(id)
		return r != 0
	})

	got, err := readImage10s()
	switch want.Type {
	case "UTF8_STRING":
		if !errors.Is(err, ErrNoImage) {
			t.Fatalf("text on the clipboard: Image returned %d bytes, %v; want ErrNoImage", len(got), err)
		}
		// The text is the harness's: Image read the clipboard after Wine
		// took it in.
		b, err := readFormat(f)
		if err != nil {
			t.Fatal(err)
		}
		u := unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
		if text := windows.UTF16ToString(u); text != string(data) {
			t.Fatalf("CF_UNICODETEXT holds %q, want %q", text, data)
		}
	case "image/bmp":
		if err != nil {
			t.Fatal(err)
		}
		pic, err := bmp.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("the BMP file xclip offers: %v", err)
		}
		samePixels(t, "Image's PNG", got, pic)
		if text := decodeQR(t, "Image's PNG", got); text != want.QR {
			t.Fatalf("decoded %q, want %q", text, want.QR)
		}
		checkDIBs(t, pic, want.QR)
	default:
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("read %d bytes, want the %d xclip offers", len(got), len(data))
		}
		if text := decodeQR(t, "Image's "+f.name, got); text != want.QR {
			t.Fatalf("decoded %q, want %q", text, want.QR)
		}
	}
}

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

// newWindow creates a message-only window on this thread, for a program's
// clipboard calls.
func newWindow() (uintptr, error) {
	class, err := windows.UTF16PtrFromString("STATIC")
	if err != nil {
		return 0, err
	}
	hwnd, _, err := procCreateWindowExW.Call(0, uintptr(unsafe.Pointer(class)), 0, 0, 0, 0, 0, 0, hwndMessage, 0, 0, 0)
	if hwnd == 0 {
		return 0, failed("CreateWindowExW", err)
	}
	return hwnd, nil
}

// setClipboard empties the clipboard and puts data there as format (none
// when format is 0), owned by a window of this test, as a Windows program
// copies. What it puts there is gone when the test ends, so that what a
// later test waits for cannot be this test's.
func setClipboard(t *testing.T, format, data uintptr) {
	t.Helper()
	_, err := onThread(func() ([]byte, error) {
		hwnd, err := newWindow()
		if err != nil {
			return nil, err
		}
		defer procDestroyWindow.Call(hwnd)
		if r, _, err := procOpenClipboard.Call(hwnd); r == 0 {
			return nil, failed("OpenClipboard", err)
		}
		defer procCloseClipboard.Call()
		if r, _, err := procEmptyClipboard.Call(); r == 0 {
			return nil, failed("EmptyClipboard", err)
		}
		if format == 0 {
			return nil, nil
		}
		if r, _, err := procSetClipboardData.Call(format, data); r == 0 {
			return nil, failed("SetClipboardData", err)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if format != 0 {
		t.Cleanup(func() { setClipboard(t, 0, 0) })
	}
}

// TestWineClipboardBitmap copies a QR code as PrtScn and Snipping Tool do,
// as a CF_BITMAP of the screen's format made with GDI, and reads it back
// with Image, which gets a DIB that Windows (here Wine's user32) makes of
// the bitmap.
func TestWineClipboardBitmap(t *testing.T) {
	const text = "otpauth://totp/Wine:bitmap@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Wine"
	code, err := qr.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	w, h := code.Bounds().Dx(), code.Bounds().Dy()
	pix := make([]byte, 4*w*h) // top-down BGRx
	for y := range h {
		for x := range w {
			c := color.RGBAModel.Convert(code.At(x, y)).(color.RGBA)
			copy(pix[4*(y*w+x):], []byte{c.B, c.G, c.R, 0})
		}
	}
	startDesktop(t)

	hdr := bitmapInfoHeader{Size: 40, Width: int32(w), Height: -int32(h), Planes: 1, BitCount: 32}
	dc, _, err := procGetDC.Call(0)
	if dc == 0 {
		t.Fatal(failed("GetDC", err))
	}
	bmp, _, err := procCreateCompatibleBitmap.Call(dc, uintptr(w), uintptr(h))
	if bmp == 0 {
		procReleaseDC.Call(0, dc)
		t.Fatal(failed("CreateCompatibleBitmap", err))
	}
	lines, _, err := procSetDIBits.Call(dc, bmp, 0, uintptr(h), uintptr(unsafe.Pointer(&pix[0])), uintptr(unsafe.Pointer(&hdr)), 0)
	procReleaseDC.Call(0, dc)
	if int(lines) != h {
		t.Fatalf("SetDIBits set %d lines of %d: %v", lines, h, err)
	}
	// The clipboard owns the bitmap from here on.
	setClipboard(t, cfBitmap, bmp)

	got, err := readImage10s()
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, "Image's PNG", got, code)
	if got := decodeQR(t, "Image's PNG", got); got != text {
		t.Fatalf("decoded %q, want %q", got, text)
	}
	checkDIBs(t, code, text)
}

// holdEnv, set, makes TestWineClipboardHolder the other program of
// TestWineClipboardBusy.
const holdEnv = "TESSERA_WINE_CLIPBOARD_HOLD"

// TestWineClipboardHolder, run by TestWineClipboardBusy as a program of its
// own, opens the clipboard with a window of its own, says so on stdout, and closes it when stdin
// ends. Without holdEnv it does nothing.
func TestWineClipboardHolder(t *testing.T) {
	if os.Getenv(holdEnv) == "" {
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// With a window, as programs copy: Wine lets a second OpenClipboard
	// without a window in while the first had none either.
	hwnd, err := newWindow()
	if err != nil {
		t.Fatal(err)
	}
	defer procDestroyWindow.Call(hwnd)
	if r, _, err := procOpenClipboard.Call(hwnd); r == 0 {
		t.Fatal(failed("OpenClipboard", err))
	}
	fmt.Println("open")
	io.Copy(io.Discard, os.Stdin)
	procCloseClipboard.Call()
}

// TestWineClipboardBusy has another program hold the clipboard open, as
// one in the middle of copying does: Image waits, gives up when its
// context ends, saying why, and reads the image once the clipboard is
// closed again.
func TestWineClipboardBusy(t *testing.T) {
	const text = "otpauth://totp/Wine:busy@example.com?secret=JBSWY3DPEHPK3PXP"
	code, err := qr.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if err := png.Encode(&file, code); err != nil {
		t.Fatal(err)
	}
	startDesktop(t)
	setClipboard(t, registerFormat(t, "PNG"), globalCopy(t, file.Bytes()))

	holder := exec.Command(os.Args[0], "-test.run=^TestWineClipboardHolder$")
	holder.Env = append(os.Environ(), holdEnv+"=1")
	release, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var holderErr bytes.Buffer
	holder.Stderr = &holderErr
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		release.Close()
		holder.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "open\n" {
		t.Fatalf("the program holding the clipboard said %q (%v), want \"open\"; stderr: %s", line, err, holderErr.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	got, err := Image(ctx, os.Getenv)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "another program keeps the clipboard open") {
		t.Fatalf("clipboard held open: Image returned %d bytes, %v; want it to say another program keeps it open", len(got), err)
	}
	t.Logf("clipboard held open: %v", err)

	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := readImage10s()
		done <- result{b, err}
	}()
	release.Close()
	if err := holder.Wait(); err != nil {
		t.Fatalf("the program holding the clipboard: %v; stderr: %s", err, holderErr.String())
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("after the clipboard was closed: %v", r.err)
	}
	if !bytes.Equal(r.b, file.Bytes()) {
		t.Fatalf("read %d bytes, want the %d of the PNG put there", len(r.b), file.Len())
	}
}

// registerFormat returns the number of the registered clipboard format
// name.
func registerFormat(t *testing.T, name string) uintptr {
	t.Helper()
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := procRegisterClipboardFormatW.Call(uintptr(unsafe.Pointer(p)))
	if id == 0 {
		t.Fatal(failed("RegisterClipboardFormatW", err))
	}
	return id
}

// globalCopy returns a moveable global memory block holding b, as
// SetClipboardData wants.
func globalCopy(t *testing.T, b []byte) uintptr {
	t.Helper()
	const gmemMoveable = 2
	h, _, err := procGlobalAlloc.Call(gmemMoveable, uintptr(len(b)))
	if h == 0 {
		t.Fatal(failed("GlobalAlloc", err))
	}
	p, _, err := procGlobalLock.Call(h)
	if p == 0 {
		t.Fatal(failed("GlobalLock", err))
	}
	procRtlMoveMemory.Call(p, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	procGlobalUnlock.Call(h)
	return h
}

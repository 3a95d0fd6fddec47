package clipboard

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32   = windows.NewLazySystemDLL("user32.dll")
	kernel32 = windows.NewLazySystemDLL("kernel32.dll")

	procOpenClipboard              = user32.NewProc("OpenClipboard")
	procCloseClipboard             = user32.NewProc("CloseClipboard")
	procIsClipboardFormatAvailable = user32.NewProc("IsClipboardFormatAvailable")
	procGetClipboardData           = user32.NewProc("GetClipboardData")
	procRegisterClipboardFormatW   = user32.NewProc("RegisterClipboardFormatW")
	procGlobalLock                 = kernel32.NewProc("GlobalLock")
	procGlobalUnlock               = kernel32.NewProc("GlobalUnlock")
	procGlobalSize                 = kernel32.NewProc("GlobalSize")
	procRtlMoveMemory              = kernel32.NewProc("RtlMoveMemory")
)

// The standard clipboard formats of packed DIBs.
const (
	cfDIB   = 8
	cfDIBV5 = 17
)

// openRetry is how long readImage waits before trying OpenClipboard again
// while another program has the clipboard open. Windows sends no message
// when it closes it.
const openRetry = 10 * time.Millisecond

// winFormat is a clipboard format Image reads: a registered one by name,
// or a standard one by number.
type winFormat struct {
	name string
	id   uintptr
	dib  bool // a packed DIB, converted to PNG
}

// winFormats are the image formats of the Windows clipboard in the order
// Image prefers them: a PNG file ("PNG", which browsers and Office put
// there beside the bitmap), the bitmap (CF_DIBV5 and CF_DIB, which Windows
// makes from each other and from the CF_BITMAP of PrtScn and Snipping
// Tool), then the files some programs add (GIF, and "JFIF" for JPEG).
var winFormats = []winFormat{
	{name: "PNG"},
	{name: "CF_DIBV5", id: cfDIBV5, dib: true},
	{name: "CF_DIB", id: cfDIB, dib: true},
	{name: "GIF"},
	{name: "JFIF"},
}

// readImage reads the clipboard on a goroutine of its own, locked to its
// thread as the clipboard wants, so that a program that takes long to
// render its image (GetClipboardData waits for it) does not hold the
// caller past ctx; the goroutine then closes the clipboard when Windows
// returns.
func readImage(ctx context.Context, _ func(string) string) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	var opened atomic.Bool
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b, f, err := readClipboard(ctx, winFormats, &opened)
		if err == nil && f.dib {
			// After closing the clipboard, which other programs wait
			// for.
			b, err = dibToPNG(b)
		}
		done <- result{b, err}
	}()
	select {
	case r := <-done:
		return r.b, r.err
	case <-ctx.Done():
		if !opened.Load() {
			return nil, fmt.Errorf("another program keeps the clipboard open: %w", ctx.Err())
		}
		return nil, fmt.Errorf("waiting for the program that owns the clipboard to hand over the image: %w", ctx.Err())
	}
}

// readClipboard opens the clipboard, sets opened, and returns the data of
// the first of formats it holds, and that format. It must run on a locked
// OS thread.
func readClipboard(ctx context.Context, formats []winFormat, opened *atomic.Bool) ([]byte, winFormat, error) {
	if err := openClipboard(ctx); err != nil {
		return nil, winFormat{}, err
	}
	opened.Store(true)
	defer procCloseClipboard.Call()
	for _, f := range formats {
		id := f.id
		if id == 0 {
			name, err := windows.UTF16PtrFromString(f.name)
			if err != nil {
				return nil, f, err
			}
			r, _, err := procRegisterClipboardFormatW.Call(uintptr(unsafe.Pointer(name)))
			if r == 0 {
				return nil, f, failed(fmt.Sprintf("registering the clipboard format %q", f.name), err)
			}
			id = r
		}
		if r, _, _ := procIsClipboardFormatAvailable.Call(id); r == 0 {
			continue
		}
		b, err := clipboardData(id)
		if err != nil {
			return nil, f, fmt.Errorf("reading the clipboard's %s: %w", f.name, err)
		}
		return b, f, nil
	}
	return nil, winFormat{}, ErrNoImage
}

// openClipboard opens the clipboard for this thread, trying again while
// another program has it open, until ctx ends.
func openClipboard(ctx context.Context) error {
	for {
		r, _, err := procOpenClipboard.Call(0)
		if r != 0 {
			return nil
		}
		t := time.NewTimer(openRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("another program keeps the clipboard open (%v): %w", failed("OpenClipboard", err), ctx.Err())
		case <-t.C:
		}
	}
}

// clipboardData copies the data of format id out of the open clipboard,
// refusing more than MaxImageBytes.
func clipboardData(id uintptr) ([]byte, error) {
	h, _, err := procGetClipboardData.Call(id)
	if h == 0 {
		return nil, failed("GetClipboardData", err)
	}
	size, _, err := procGlobalSize.Call(h)
	if size == 0 {
		return nil, failed("GlobalSize", err)
	}
	if size > MaxImageBytes {
		return nil, fmt.Errorf("the clipboard image is %d MiB, more than the %d MiB read", size>>20, MaxImageBytes>>20)
	}
	p, _, err := procGlobalLock.Call(h)
	if p == 0 {
		return nil, failed("GlobalLock", err)
	}
	defer procGlobalUnlock.Call(h)
	// Copied by Windows: p is memory of Windows', not Go's.
	b := make([]byte, size)
	procRtlMoveMemory.Call(uintptr(unsafe.Pointer(&b[0])), p, size)
	return b, nil
}

// failed is the error of a Windows call that returned 0. Some set no last
// error, and Windows words error 0 "The operation completed successfully",
// which would read as nonsense after "failed".
func failed(call string, err error) error {
	var errno windows.Errno
	if errors.As(err, &errno) && errno != 0 {
		return fmt.Errorf("%s failed: %w", call, err)
	}
	return fmt.Errorf("%s failed", call)
}

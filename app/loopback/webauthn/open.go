package webauthn

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// OpenBrowser shows a ceremony's page to the person: in the browser that
// $BROWSER names, else in the desktop's default browser (xdg-open on
// Linux and the BSDs, open on macOS, the URL handler of Windows). It
// returns once a browser has started, without waiting for it to exit, or
// the error of each way it tried. Show the URL as well, so that the person
// can paste it into another browser.
//
// The URL, token included, is on the browser's command line for a moment,
// where other local users may read it: with it they can spoil the
// ceremony (which then fails closed), not complete it without the key.
//
// $BROWSER is a list of commands separated by ':' (';' on Windows), tried
// in order; each is split at spaces, "%s" in it stands for the URL
// (which is otherwise added as the last argument) and "%%" for "%". No
// shell runs.
func OpenBrowser(url string) error {
	var errs []error
	for _, argv := range browserCommands(url, os.Getenv("BROWSER"), runtime.GOOS) {
		cmd := exec.Command(argv[0], argv[1:]...)
		if err := cmd.Start(); err != nil {
			errs = append(errs, fmt.Errorf("starting %s: %w", argv[0], err))
			continue
		}
		// Some browsers run in the foreground until closed: reap it then.
		go cmd.Wait()
		return nil
	}
	return fmt.Errorf("opening a browser: %w (open the link by hand)", errors.Join(errs...))
}

// browserCommands lists the commands that OpenBrowser tries, in order.
func browserCommands(url, browser, goos string) [][]string {
	sep := ":"
	if goos == "windows" {
		sep = ";"
	}
	var cmds [][]string
	for _, entry := range strings.Split(browser, sep) {
		fields := strings.Fields(entry)
		if len(fields) == 0 {
			continue
		}
		placed := false
		for i, f := range fields {
			if strings.Contains(f, "%s") {
				placed = true
			}
			f = strings.ReplaceAll(f, "%s", "\x00")
			f = strings.ReplaceAll(f, "%%", "%")
			fields[i] = strings.ReplaceAll(f, "\x00", url)
		}
		if !placed {
			fields = append(fields, url)
		}
		cmds = append(cmds, fields)
	}
	switch goos {
	case "windows":
		cmds = append(cmds, []string{"rundll32", "url.dll,FileProtocolHandler", url})
	case "darwin":
		cmds = append(cmds, []string{"open", url})
	default:
		cmds = append(cmds, []string{"xdg-open", url})
	}
	return cmds
}

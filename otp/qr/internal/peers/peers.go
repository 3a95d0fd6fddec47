// Package peers runs the QR readers Tessera's decoder is compared with,
// ZBar's zbarimg and zxing-cpp's ZXingReader, on image files and reads
// the texts they print. The benchmark (benchqr) and the end-to-end tests
// use it, so that both ask the peers the same way.
package peers

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Reader is one peer program.
type Reader struct {
	Name    string   // the program, as found in PATH
	Package string   // the Debian package that installs it
	args    []string // arguments before the file names
	parse   func([]byte) []string
}

// Zbar is ZBar's zbarimg, which prints one text a line with --raw.
var Zbar = Reader{Name: "zbarimg", Package: "zbar-tools", args: []string{"-q", "--raw"}, parse: parseLines}

// ZXing is zxing-cpp's ZXingReader, which prints a block a code with a
// `Text:       "..."` line.
var ZXing = Reader{Name: "ZXingReader", Package: "zxing-cpp-tools", args: []string{"-format", "QRCode"}, parse: parseZXing}

// All returns every peer, in the order reports list them.
func All() []Reader { return []Reader{Zbar, ZXing} }

// Check returns an error saying what to install when r's program is not in
// PATH.
func (r Reader) Check() error {
	if _, err := exec.LookPath(r.Name); err != nil {
		return fmt.Errorf("%s not found: install Debian's %s (make test-deps)", r.Name, r.Package)
	}
	return nil
}

// Command returns the command that reads files, with LANG set as the tests
// set it. Its standard output goes to [Reader.Parse].
func (r Reader) Command(files ...string) *exec.Cmd {
	cmd := exec.Command(r.Name, append(append([]string(nil), r.args...), files...)...)
	cmd.Env = append(os.Environ(), "LANG=en_US.UTF-8")
	return cmd
}

// Parse returns the texts in what r's program printed, in its order.
func (r Reader) Parse(out []byte) []string { return r.parse(out) }

// Read runs r on one file and returns the texts it found. Finding nothing
// is not an error (zbarimg then exits with status 4); failing to start is.
func (r Reader) Read(file string) ([]string, error) {
	cmd := r.Command(file)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			return nil, fmt.Errorf("running %s: %w", r.Name, err)
		}
	}
	return r.Parse(out.Bytes()), nil
}

func parseLines(out []byte) []string {
	var texts []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			texts = append(texts, l)
		}
	}
	return texts
}

// parseZXing reads ZXingReader's `Text:       "..."` lines.
func parseZXing(out []byte) []string {
	var texts []string
	for _, l := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "Text:"); ok {
			rest = strings.TrimSpace(rest)
			texts = append(texts, strings.TrimSuffix(strings.TrimPrefix(rest, `"`), `"`))
		}
	}
	return texts
}

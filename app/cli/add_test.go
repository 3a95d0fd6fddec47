package cli_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/tessera-auth/tessera/app/cli"
)

// repeatReader gives line n times, then EOF.
type repeatReader struct {
	line string
	n    int
	buf  []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		if r.n == 0 {
			return 0, io.EOF
		}
		r.n--
		r.buf = []byte(r.line)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Standard input past add's 64 MiB bound is never dropped without a word:
// a URI after 70 MB of comments makes add say where the input was cut, add
// nothing and exit 2.
func TestAddInputCut(t *testing.T) {
	comment := "# " + strings.Repeat("c", 1021) + "\n" // 1 KiB a line
	stdin := io.MultiReader(&repeatReader{line: comment, n: 70 << 10},
		strings.NewReader("otpauth://totp/X:y?secret=GEZDGNBVGY3TQOJQ\n"))
	var out, errOut bytes.Buffer
	env := cli.Env{Stdin: stdin, Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	code := cli.Run(env, []string{"add", "--vault", t.TempDir() + "/none"})
	if code != cli.ExitUsage {
		t.Fatalf("exit %d, want %d; stderr %q", code, cli.ExitUsage, errOut.String())
	}
	if msg := errOut.String(); !strings.Contains(msg, "longer than 64 MiB") || !strings.Contains(msg, "cut after line 65536") {
		t.Errorf("message %q does not say that and where the input was cut", msg)
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %q", out.String())
	}
}

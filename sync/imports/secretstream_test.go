package imports

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tessera-auth/tessera/sync/imports/exportgen"
)

// libsodium builds testdata/secretstream.c against the system's libsodium
// (Debian's libsodium-dev, which make test-deps installs).
func libsodium(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "secretstream")
	out, err := exec.Command("gcc", "-O1", "-o", bin, "testdata/secretstream.c", "-lsodium").CombinedOutput()
	if err != nil {
		t.Fatalf("building the libsodium driver (needs gcc and libsodium-dev): %v\n%s", err, out)
	}
	return bin
}

func TestSecretstreamAgainstLibsodium(t *testing.T) {
	bin := libsodium(t)
	key := make([]byte, 32)
	rand.Read(key)
	cases := []struct{ length, chunk, rekeyAt int }{
		{0, 64, -1}, {1, 64, -1}, {15, 64, -1}, {16, 64, -1}, {17, 64, -1}, {48, 64, -1},
		{63, 64, -1}, {64, 64, -1}, {65, 64, -1}, {1000, 4 << 20, -1},
		{1000, 100, -1}, {1000, 100, 3}, {257, 16, 0}, {4096, 1, 5},
	}
	for _, c := range cases {
		pt := make([]byte, c.length)
		rand.Read(pt)
		// libsodium seals, Go opens.
		cmd := exec.Command(bin, "seal", hex.EncodeToString(key), strconv.Itoa(c.chunk), strconv.Itoa(c.rekeyAt))
		cmd.Stdin = bytes.NewReader(pt)
		sealed, err := cmd.Output()
		if err != nil {
			t.Fatalf("libsodium seal: %v", err)
		}
		got, err := openStream(key, sealed[:streamHeaderBytes], sealed[streamHeaderBytes:], c.chunk)
		if err != nil {
			t.Fatalf("length %d chunk %d rekey %d: Go cannot open libsodium's stream: %v", c.length, c.chunk, c.rekeyAt, err)
		}
		if !bytes.Equal(got, pt) {
			t.Fatalf("length %d chunk %d: Go opened other bytes than libsodium sealed", c.length, c.chunk)
		}
		// A flipped byte anywhere fails.
		for _, at := range []int{streamHeaderBytes, len(sealed) - 1, streamHeaderBytes + (len(sealed)-streamHeaderBytes)/2} {
			bad := bytes.Clone(sealed)
			bad[at] ^= 1
			if _, err := openStream(key, bad[:streamHeaderBytes], bad[streamHeaderBytes:], c.chunk); err == nil {
				t.Errorf("length %d: a flipped byte at %d was accepted", c.length, at)
			}
		}
		// A stream cut after a whole message, before the final one, fails.
		if c.length > c.chunk {
			cut := sealed[:streamHeaderBytes+c.chunk+streamABytes]
			if _, err := openStream(key, cut[:streamHeaderBytes], cut[streamHeaderBytes:], c.chunk); err == nil {
				t.Errorf("length %d: a truncated stream was accepted", c.length)
			}
		}

		// The test generator seals (as Ente does), libsodium opens.
		var msgs [][]byte
		var tags []byte
		for off := 0; off < len(pt) || off == 0; off += c.chunk {
			msgs = append(msgs, pt[off:min(off+c.chunk, len(pt))])
			tags = append(tags, 0)
			if len(msgs)-1 == c.rekeyAt {
				tags[len(tags)-1] = streamTagRekey
			}
			if off+c.chunk >= len(pt) {
				break
			}
		}
		tags[len(tags)-1] = streamTagFinal
		header, ct := exportgen.SecretstreamSeal(key, msgs, tags)
		cmd = exec.Command(bin, "open", hex.EncodeToString(key), strconv.Itoa(c.chunk))
		cmd.Stdin = bytes.NewReader(append(header, ct...))
		opened, err := cmd.Output()
		if err != nil {
			t.Fatalf("length %d chunk %d rekey %d: libsodium cannot open the generator's stream: %v", c.length, c.chunk, c.rekeyAt, err)
		}
		if !bytes.Equal(opened, pt) {
			t.Fatalf("length %d: libsodium opened other bytes than the generator sealed", c.length)
		}
	}
}

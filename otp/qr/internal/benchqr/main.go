// Command benchqr compares Tessera's QR decoding with zbarimg (ZBar) and
// ZXingReader (zxing-cpp) on a generated corpus, and prints the decode rate
// per variant and the total times. `make bench-qr` runs it.
//
// Every tool reads the same files in the same run. The peers run as one
// process per file, timed from start to exit, so their times include
// process start and image file decoding. Tessera runs in this process, one
// file after another on one goroutine, and is timed twice: decoding only
// (from the decoded image to the texts, comparable with the peers' decoding
// inside their process) and with the image file's decoding included (read
// from memory, comparable with the peers' whole process runs).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tessera-auth/tessera/otp/qr"
	"github.com/tessera-auth/tessera/otp/qr/internal/corpus"
	"github.com/tessera-auth/tessera/otp/qr/internal/peers"
)

func main() {
	n := flag.Int("n", 40, "images per variant")
	seed := flag.Uint64("seed", 1, "corpus seed")
	dir := flag.String("dir", "", "write the corpus here and keep it (default: a temporary folder)")
	verbose := flag.Bool("v", false, "list the files each tool missed")
	withPeers := flag.Bool("peers", true, "run zbarimg and ZXingReader too")
	flag.Parse()
	if err := run(*n, *seed, *dir, *verbose, *withPeers); err != nil {
		fmt.Fprintln(os.Stderr, "benchqr:", err)
		os.Exit(1)
	}
}

// tool is one decoder under comparison.
type tool struct {
	name   string
	found  map[string]int // variant -> expected codes found
	wrong  int            // texts reported that the image does not hold
	dups   int            // texts reported more than once for one image
	time   time.Duration
	misses []string
}

func run(n int, seed uint64, dir string, verbose, withPeers bool) error {
	for _, p := range peers.All() {
		if !withPeers {
			break
		}
		if err := p.Check(); err != nil {
			return err
		}
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "benchqr")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	fmt.Printf("Generating %d images per variant (seed %d) in %s ...\n", n, seed, dir)
	var samples []corpus.Sample
	total := map[string]int{}
	for _, v := range corpus.Variants() {
		for i := 0; i < n; i++ {
			s := corpus.Generate(seed, v, i)
			if err := os.WriteFile(filepath.Join(dir, s.Name), s.Data, 0o644); err != nil {
				return err
			}
			samples = append(samples, s)
			total[v] += len(s.Texts)
		}
	}

	tess := &tool{name: "Tessera", found: map[string]int{}}
	tessFile := time.Duration(0)
	zbar := &tool{name: "zbarimg", found: map[string]int{}}
	zxing := &tool{name: "ZXingReader", found: map[string]int{}}

	// Tessera, in this process.
	runtime.GC()
	for _, s := range samples {
		start := time.Now()
		img, err := qr.ReadImage(bytes.NewReader(s.Data))
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		mid := time.Now()
		texts := qr.DecodeImage(img)
		end := time.Now()
		tessFile += mid.Sub(start)
		tess.time += end.Sub(mid)
		tess.score(s, texts)
	}

	tools := []*tool{tess}
	if !withPeers {
		return report(samples, total, tools, tess, tessFile, 0, verbose)
	}
	for _, t := range []struct {
		tool *tool
		peer peers.Reader
	}{
		{zbar, peers.Zbar},
		{zxing, peers.ZXing},
	} {
		for _, s := range samples {
			cmd := t.peer.Command(filepath.Join(dir, s.Name))
			var out bytes.Buffer
			cmd.Stdout = &out
			start := time.Now()
			_ = cmd.Run() // zbarimg exits 4 when it finds nothing
			t.tool.time += time.Since(start)
			t.tool.score(s, t.peer.Parse(out.Bytes()))
		}
	}

	// zxing-cpp once more, all files in one process, so process start is
	// paid once: the closest to its decoding time alone that its command
	// line tool can show.
	var files []string
	for _, s := range samples {
		files = append(files, filepath.Join(dir, s.Name))
	}
	cmd := peers.ZXing.Command(files...)
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ZXingReader on all files: %w", err)
	}
	zxingOne := time.Since(start)
	return report(samples, total, []*tool{tess, zbar, zxing}, tess, tessFile, zxingOne, verbose)
}

// report prints the table of decode rates and the times.
func report(samples []corpus.Sample, total map[string]int, tools []*tool, tess *tool, tessFile, zxingOne time.Duration, verbose bool) error {
	fmt.Println()
	fmt.Printf("%-12s %6s", "variant", "codes")
	for _, t := range tools {
		fmt.Printf(" %14s", t.name)
	}
	fmt.Println()
	sum := 0
	for _, v := range corpus.Variants() {
		fmt.Printf("%-12s %6d", v, total[v])
		for _, t := range tools {
			fmt.Printf(" %14s", rate(t.found[v], total[v]))
		}
		fmt.Println()
		sum += total[v]
	}
	fmt.Printf("%-12s %6d", "all", sum)
	for _, t := range tools {
		all := 0
		for _, f := range t.found {
			all += f
		}
		fmt.Printf(" %14s", rate(all, sum))
	}
	fmt.Println()
	fmt.Printf("%-12s %6s", "wrong/dup", "")
	for _, t := range tools {
		fmt.Printf(" %14s", fmt.Sprintf("%d/%d", t.wrong, t.dups))
	}
	fmt.Println()

	fmt.Println()
	fmt.Printf("Total time for %d images:\n", len(samples))
	fmt.Printf("  Tessera decode only (decoded image -> texts, in one process):   %7.2f s\n", tess.time.Seconds())
	fmt.Printf("  Tessera including image file decoding (PNG/JPEG from memory):    %7.2f s\n", (tess.time + tessFile).Seconds())
	if len(tools) == 3 {
		fmt.Printf("  zbarimg, one process per file (start, file decoding, scan):      %7.2f s\n", tools[1].time.Seconds())
		fmt.Printf("  ZXingReader, one process per file (start, file decoding, scan):  %7.2f s\n", tools[2].time.Seconds())
		fmt.Printf("  ZXingReader, all files in one process (file decoding, scan):     %7.2f s\n", zxingOne.Seconds())
	}
	fmt.Printf("Tessera's image file decoding alone took %.2f s (PNG straight to luminance, JPEG with Go's image/jpeg).\n", tessFile.Seconds())

	if verbose {
		for _, t := range tools {
			slices.Sort(t.misses)
			fmt.Printf("\n%s missed %d: %s\n", t.name, len(t.misses), strings.Join(t.misses, " "))
		}
	}
	return nil
}

// score counts the expected texts of s found in texts.
func (t *tool) score(s corpus.Sample, texts []string) {
	seen := map[string]bool{}
	for _, x := range texts {
		if seen[x] {
			t.dups++
			continue
		}
		seen[x] = true
		if slices.Contains(s.Texts, x) {
			t.found[s.Variant]++
		} else {
			t.wrong++
		}
	}
	for _, x := range s.Texts {
		if !seen[x] {
			t.misses = append(t.misses, s.Name)
			break
		}
	}
}

func rate(found, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%d (%.0f%%)", found, 100*float64(found)/float64(total))
}

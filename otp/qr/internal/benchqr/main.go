// Command benchqr compares Tessera's QR decoding with zbarimg (ZBar) and
// ZXingReader (zxing-cpp) on a generated corpus, and prints the decode rate
// per variant and the total times. `make bench-qr` runs it.
//
// Every tool reads the same files in the same run, and every time is shown
// as wall-clock time and processor time. Tessera runs in this process, one
// file after another from memory, and is timed twice: decoding only (from
// the decoded image to the texts) and with the image file's decoding
// included (from the file's bytes to the texts, what `tessera scan FILE`
// does). The peers cannot time their decoding alone: each runs once on all
// the files in one process, timed from start to exit, which pays process
// start once and so compares with Tessera's time with file decoding, and
// once as one process per file, as a person would run them.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
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
	misses []string
	// The times, each zero when not measured.
	decode  span // Tessera: decoded images to texts
	oneRun  span // file bytes to texts, all files in one process
	perFile span // one process per file
}

// span is a wall-clock time and the processor time spent in it.
type span struct {
	wall, cpu time.Duration
}

func (s *span) add(o span) {
	s.wall += o.wall
	s.cpu += o.cpu
}

// String shows s in seconds, or a dash when it was not measured.
func (s span) String() string {
	switch {
	case s.wall == 0:
		return "-"
	case s.cpu == 0: // no processor time on this system
		return fmt.Sprintf("%.2f / -", s.wall.Seconds())
	}
	return fmt.Sprintf("%.2f / %.2f", s.wall.Seconds(), s.cpu.Seconds())
}

// stopwatch measures a span of this process from when it was started.
type stopwatch struct {
	wall time.Time
	cpu  time.Duration
}

func start() stopwatch { return stopwatch{time.Now(), cpuTime()} }

// span returns the span from the start to now.
func (w stopwatch) span() span { return span{time.Since(w.wall), cpuTime() - w.cpu} }

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
	zbar := &tool{name: "zbarimg", found: map[string]int{}}
	zxing := &tool{name: "ZXingReader", found: map[string]int{}}

	// Tessera, in this process.
	runtime.GC()
	for _, s := range samples {
		w := start()
		img, err := qr.ReadImage(bytes.NewReader(s.Data))
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		read := w.span()
		w = start()
		texts := qr.DecodeImage(img)
		dec := w.span()
		tess.decode.add(dec)
		tess.oneRun.add(read)
		tess.oneRun.add(dec)
		tess.score(s, texts)
	}

	if !withPeers {
		return report(samples, total, []*tool{tess}, verbose)
	}
	var files []string
	for _, s := range samples {
		files = append(files, filepath.Join(dir, s.Name))
	}
	for _, t := range []struct {
		tool *tool
		peer peers.Reader
	}{
		{zbar, peers.Zbar},
		{zxing, peers.ZXing},
	} {
		// One process per file, scored.
		for _, s := range samples {
			cmd := t.peer.Command(filepath.Join(dir, s.Name))
			var out bytes.Buffer
			cmd.Stdout = &out
			began := time.Now()
			_ = cmd.Run() // zbarimg exits 4 when it finds nothing
			t.tool.perFile.add(span{time.Since(began), childCPU(cmd)})
			t.tool.score(s, t.peer.Parse(out.Bytes()))
		}
		// All files in one process, so that process start is paid once:
		// the closest to its decoding time that its command line tool
		// can show.
		cmd := t.peer.Command(files...)
		cmd.Stdout = io.Discard
		began := time.Now()
		if err := cmd.Run(); err != nil {
			// A status saying some file held no code is fine.
			if _, ok := err.(*exec.ExitError); !ok {
				return fmt.Errorf("%s on all files: %w", t.peer.Name, err)
			}
		}
		t.tool.oneRun = span{time.Since(began), childCPU(cmd)}
	}
	return report(samples, total, []*tool{tess, zbar, zxing}, verbose)
}

// childCPU returns the processor time cmd's process took, once it exited.
func childCPU(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// report prints the table of decode rates and the times.
func report(samples []corpus.Sample, total map[string]int, tools []*tool, verbose bool) error {
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
	fmt.Printf("Total time for %d images, in seconds: wall clock / processor time\n", len(samples))
	fmt.Printf("%-36s", "")
	for _, t := range tools {
		fmt.Printf(" %15s", t.name)
	}
	fmt.Println()
	for _, row := range []struct {
		name string
		time func(*tool) span
	}{
		{"decoding only", func(t *tool) span { return t.decode }},
		{"with file decoding, one process", func(t *tool) span { return t.oneRun }},
		{"one process per file", func(t *tool) span { return t.perFile }},
	} {
		fmt.Printf("%-36s", row.name)
		for _, t := range tools {
			fmt.Printf(" %15s", row.time(t))
		}
		fmt.Println()
	}
	fmt.Println()
	fmt.Println("Tessera ran in this process on the files in memory, one after another:")
	fmt.Println("\"decoding only\" is qr.DecodeImage on the decoded image, \"with file")
	fmt.Println("decoding\" adds qr.ReadImage on the file's bytes (PNG straight to")
	fmt.Println("luminance, inflated on a second goroutine; JPEG with Go's image/jpeg).")
	fmt.Println("It uses up to two cores. The peers read the files from disk (the page")
	fmt.Println("cache), timed from process start to exit: once with all files given to")
	fmt.Println("one process (start paid once), once as one process per file.")

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

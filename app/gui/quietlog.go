package gui

import (
	"bytes"
	"io"
	"sync"
)

// fyneNoise are the causes of Fyne error reports that say nothing wrong on
// a normal start or use: a desktop without a Videos (or Music, ...)
// folder, which the file dialog looks for; a read of the preferences file
// caught between its truncation and its write, which Fyne reads again once
// the write is done.
var fyneNoise = []struct{ reason, cause []byte }{
	{[]byte("Getting favorite locations"), []byte("Cause: this computer does not define a ")},
	{[]byte("Preferences load error"), []byte("Cause: EOF\n")},
}

// QuietLog returns a writer for the standard logger, which Fyne logs
// through, that drops Fyne's reports of harmless conditions (fyneNoise)
// and passes every other line on to w. A report is the lines fyne.LogError
// writes: "Fyne error: REASON", "  Cause: ERR", "  At: FILE:LINE".
func QuietLog(w io.Writer) io.Writer { return &quietLog{w: w} }

type quietLog struct {
	mu     sync.Mutex
	w      io.Writer
	buf    []byte // a partial line
	report []byte // the lines of a Fyne error report so far
}

// Write implements io.Writer.
func (q *quietLog) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.buf = append(q.buf, p...)
	var err error
	for {
		i := bytes.IndexByte(q.buf, '\n')
		if i < 0 {
			break
		}
		line := append([]byte(nil), q.buf[:i+1]...)
		q.buf = q.buf[i+1:]
		switch {
		case bytes.Contains(line, []byte("Fyne error: ")):
			err = q.flush()
			q.report = line
		case q.report != nil && bytes.Contains(line, []byte("  Cause:")):
			q.report = append(q.report, line...)
		case q.report != nil && bytes.Contains(line, []byte("  At: ")):
			q.report = append(q.report, line...)
			err = q.flush()
		default:
			err = q.flush()
			if _, werr := q.w.Write(line); err == nil {
				err = werr
			}
		}
	}
	return len(p), err
}

// flush writes the report held, unless it is noise.
func (q *quietLog) flush() error {
	r := q.report
	q.report = nil
	if r == nil {
		return nil
	}
	for _, n := range fyneNoise {
		if bytes.Contains(r, n.reason) && bytes.Contains(r, n.cause) {
			return nil
		}
	}
	_, err := q.w.Write(r)
	return err
}

package gui

import (
	"bytes"
	"log"
	"testing"
)

// Fyne's reports of harmless conditions are dropped whole; other reports
// and lines are kept.
func TestQuietLog(t *testing.T) {
	var out bytes.Buffer
	l := log.New(QuietLog(&out), "", 0)
	l.Println("Fyne error: ", "Getting favorite locations")
	l.Println("  Cause:", "this computer does not define a VIDEOS folder")
	l.Printf("  At: %s:%d", "dialog/file.go", 380)
	l.Println("Fyne error: ", "Preferences load error:")
	l.Println("  Cause:", "EOF")
	l.Printf("  At: %s:%d", "app/preferences.go", 103)
	l.Println("Fyne error: ", "Preferences load error:")
	l.Println("  Cause:", "invalid character 'x'")
	l.Printf("  At: %s:%d", "app/preferences.go", 103)
	l.Println("Fyne error: ", "Reading a file")
	l.Println("  Cause:", "EOF")
	l.Printf("  At: %s:%d", "x.go", 1)
	l.Println("a real problem")
	want := "Fyne error:  Preferences load error:\n  Cause: invalid character 'x'\n  At: app/preferences.go:103\n" +
		"Fyne error:  Reading a file\n  Cause: EOF\n  At: x.go:1\n" +
		"a real problem\n"
	if out.String() != want {
		t.Fatalf("logged:\n%s\nwant:\n%s", out.String(), want)
	}
}

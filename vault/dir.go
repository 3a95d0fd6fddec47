package vault

import (
	"errors"
	"path/filepath"
	"runtime"
)

// DefaultDir returns where a vault lives when the person named none:
// $TESSERA_VAULT if set, else the system's per-user data folder:
// $XDG_DATA_HOME/tessera (default ~/.local/share/tessera) on Linux and other
// Unix systems, ~/Library/Application Support/Tessera on macOS and
// %AppData%\Tessera on Windows. getenv is os.Getenv outside tests.
func DefaultDir(getenv func(string) string) (string, error) {
	if d := getenv("TESSERA_VAULT"); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := getenv("AppData"); d != "" {
			return filepath.Join(d, "Tessera"), nil
		}
		return "", errors.New("%AppData% is not set; give the vault folder")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support", "Tessera"), nil
		}
	default:
		if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
			return filepath.Join(d, "tessera"), nil
		}
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, ".local", "share", "tessera"), nil
		}
	}
	return "", errors.New("$HOME is not set; give the vault folder")
}

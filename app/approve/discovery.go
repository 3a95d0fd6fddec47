package approve

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// DiscoveryFile is the 0600 file through which local clients find a
// running Tessera.
type DiscoveryFile struct {
	Issuer string   `json:"issuer"`
	KeyIDs []string `json:"key_ids,omitempty"`
	PID    int      `json:"pid"`
}

// DiscoveryPath returns where the discovery file lives: tessera/
// approvals.json in the per-user configuration folder.
func DiscoveryPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the configuration folder: %w", err)
	}
	return filepath.Join(dir, "tessera", "approvals.json"), nil
}

// WriteDiscoveryFile writes d to path, readable by its owner only,
// replacing any older file atomically.
func WriteDiscoveryFile(path string, d DiscoveryFile) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing the discovery file: %w", err)
	}
	b, _ := json.MarshalIndent(d, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(path), ".approvals-*.json")
	if err != nil {
		return fmt.Errorf("writing the discovery file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the discovery file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the discovery file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing the discovery file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing the discovery file: %w", err)
	}
	return nil
}

// ReadDiscoveryFile reads the discovery file at path.
func ReadDiscoveryFile(path string) (DiscoveryFile, error) {
	var d DiscoveryFile
	b, err := os.ReadFile(path)
	if err != nil {
		return d, fmt.Errorf("reading the discovery file (is Tessera running?): %w", err)
	}
	if err := json.Unmarshal(b, &d); err != nil || d.Issuer == "" {
		return d, fmt.Errorf("reading the discovery file %s: it is damaged", path)
	}
	return d, nil
}

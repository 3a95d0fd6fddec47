package vault

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
)

// BackupLabels returns the label of every live entry of backup id, by
// entry ID, so that a caller can say what a backup holds and what a
// restore would change without handling any secret: the backup's secrets
// are zeroed as soon as it is read. The vault must be unlocked.
func (v *Vault) BackupLabels(id string) (map[string]string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.master == nil {
		return nil, ErrLocked
	}
	gen, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("backup %q: %w", id, ErrNotFound)
	}
	b, err := v.readBackup(gen, v.identity())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(b.Entries))
	for i := range b.Entries {
		e := &b.Entries[i]
		if !e.Deleted {
			out[e.ID] = e.Label()
		}
		e.zero()
	}
	return out, nil
}

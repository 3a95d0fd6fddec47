package vault

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
)

// Rollback describes a body.age of an older save than one the vault knows
// was made after it: an older body put back by hand (cp
// backups/body-N.age body.age) or by a sync or backup tool. What the later
// saves added or changed is not in it; the newest backup of a later save,
// if one opens, holds it up to that save.
//
// The later save is known only from encrypted evidence: backups that open
// with the vault's key, and the number of the last save, which every save
// records in state.age beside body.age (vaults last saved by a Tessera that
// did not record it are judged by their backups alone). A plain file or a
// file name is no evidence.
type Rollback struct {
	Generation uint64 // the save generation of body.age
	Latest     uint64 // the latest save generation known to have been made

	// Backup is the ID of the newest backup of a later save than body.age
	// that opens, "" if none does; pass it to [Vault.Restore]. Saved is
	// when its body was saved.
	Backup string
	Saved  time.Time
}

// String says what happened and what to do, in a sentence or three for
// the person.
func (r *Rollback) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "body.age holds save %d, but save %d was made after it "+
		"(an older body put back by hand or by a sync tool?), so entries added or changed since save %d are missing",
		r.Generation, r.Latest, r.Generation)
	if r.Backup == "" {
		b.WriteString(", and no backup holds them")
	} else {
		fmt.Fprintf(&b, "; backup %s, saved %s, holds them", r.Backup, r.Saved.Local().Format("2006-01-02 15:04:05"))
		if strconv.FormatUint(r.Latest, 10) != r.Backup {
			fmt.Fprintf(&b, " up to save %s", r.Backup)
		}
		fmt.Fprintf(&b, ": tessera restore %s brings it back", r.Backup)
	}
	b.WriteString(". The next save from this body makes it the latest and ends this warning.")
	return b.String()
}

// Rollback returns what is known of the body.age that the vault last read
// (at Unlock, Reload, or a save taking in another process's changes) if
// that body is of an older save than one made after it, and nil otherwise,
// after Lock, and after Restore. The vault opens all the same: the person
// decides, told by this, whether to bring a backup back.
func (v *Vault) Rollback() *Rollback {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.rollback == nil {
		return nil
	}
	r := *v.rollback
	return &r
}

// checkRollback sets v.rollback for the body b just read from body.age,
// whose file began with head.
func (v *Vault) checkRollback(b *body, head []byte, mid *age.X25519Identity) {
	v.rollback = nil
	if b.Generation == 0 {
		return
	}
	r := &Rollback{Generation: b.Generation, Latest: v.readStateOrEmpty(mid).Generation}
	gens, _ := listBackups(v.dir)
	for _, g := range gens {
		if g <= b.Generation {
			break
		}
		// Only a backup that opens with this vault's key, and says it is
		// of a later save, counts: a file name is no evidence.
		bb, err := v.readBackup(g, mid)
		if err != nil {
			continue
		}
		for i := range bb.Entries {
			bb.Entries[i].zero()
		}
		if bb.Generation > b.Generation {
			r.Backup, r.Saved = strconv.FormatUint(g, 10), bb.Saved
			r.Latest = max(r.Latest, bb.Generation)
			break
		}
	}
	if r.Latest <= b.Generation {
		return
	}
	// Readers take no lock: if another process saved since body.age was
	// read, the backup or record seen is of that save, and the body read
	// is stale, not put back.
	if now, err := readHead(v.dir); err != nil || !bytes.Equal(now, head) {
		return
	}
	v.rollback = r
}

package folder

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/tessera-auth/tessera/otp"
	"github.com/tessera-auth/tessera/vault"
)

// TombstoneAge is how long a deletion, and a version in an entry's
// history, is kept. A device that has not synced for longer may bring back
// an entry deleted meanwhile.
const TombstoneAge = 90 * 24 * time.Hour

// version is one state of an entry as one device saved it. Versions are
// never changed once made: states share them.
type version struct {
	at    Stamp
	by    string            // the device that made it
	clock map[string]uint64 // per device, how many of its changes of this entry this one descends from
	entry vault.Entry       // the content, secrets included; Modified, Uses and LastUsed are zero
	sum   [32]byte          // hash of the content
	same  [32]byte          // hash of the content without the HOTP counter
}

// newVersion makes a version of e (which it keeps: the caller hands it
// over), normalizing what is not synced.
func newVersion(at Stamp, by string, clock map[string]uint64, e vault.Entry) *version {
	e.Modified, e.Uses, e.LastUsed = time.Time{}, 0, time.Time{}
	if e.Deleted {
		e = vault.Entry{ID: e.ID, Deleted: true}
	}
	return &version{at: at, by: by, clock: clock, entry: e, sum: contentSum(&e, true), same: contentSum(&e, false)}
}

// contentSum hashes an entry's content, with or without its HOTP counter.
func contentSum(e *vault.Entry, counter bool) [32]byte {
	c := *e
	c.Modified, c.Uses, c.LastUsed = time.Time{}, 0, time.Time{}
	if !counter {
		c.OTP.Counter = 0
	}
	b := vault.AppendEntryJSON(make([]byte, 0, 256), &c)
	defer clear(b)
	return sha256.Sum256(b)
}

// compare orders versions: by stamp, then device, then content, so that
// every replica picks the same winner.
func (x *version) compare(y *version) int {
	if c := x.at.Compare(y.at); c != 0 {
		return c
	}
	if c := bytes.Compare([]byte(x.by), []byte(y.by)); c != 0 {
		return c
	}
	return bytes.Compare(x.sum[:], y.sum[:])
}

// key identifies a version across replicas.
func (x *version) key() string {
	return x.by + "/" + hex.EncodeToString(x.sum[:8]) + "/" + x.at.Time().Format(time.RFC3339Nano)
}

// descendsFrom reports whether x was made knowing y: x's clock covers y's
// and is not the same. Equal clocks on different versions mean two copies
// of one device's vault made changes unaware of each other (see
// state.cloned), which is concurrency, not succession.
func (x *version) descendsFrom(y *version) bool {
	for d, n := range y.clock {
		if x.clock[d] < n {
			return false
		}
	}
	if len(x.clock) != len(y.clock) {
		return true
	}
	for d, n := range x.clock {
		if y.clock[d] != n {
			return true
		}
	}
	return false
}

// record is everything known of one entry: its versions, newest first,
// and the highest HOTP counter seen for each secret.
type record struct {
	versions []*version
	counters map[string]uint64 // secret fingerprint -> counter
}

func (r *record) winner() *version { return r.versions[0] }

// fingerprint names a HOTP secret in counters without holding it.
func fingerprint(secret []byte) string {
	h := sha256.Sum256(append([]byte("tessera hotp counter\x00"), secret...))
	return hex.EncodeToString(h[:12])
}

// raiseCounter records that e's HOTP counter reached its value.
func (r *record) raiseCounter(e *vault.Entry) {
	if e.Deleted || e.Kind != vault.KindOTP || e.OTP.Kind != otp.HOTP {
		return
	}
	fp := fingerprint(e.OTP.Secret)
	if e.OTP.Counter > r.counters[fp] {
		r.counters[fp] = e.OTP.Counter
	}
}

// effective returns the winner's entry with the highest counter seen for
// its secret. The secret is shared with the version.
func (r *record) effective() vault.Entry {
	e := r.winner().entry
	e.Tags = slices.Clone(e.Tags)
	if !e.Deleted && e.Kind == vault.KindOTP && e.OTP.Kind == otp.HOTP {
		e.OTP.Counter = max(e.OTP.Counter, r.counters[fingerprint(e.OTP.Secret)])
	}
	return e
}

// mergeRecords joins two records of the same entry: the union of their
// versions without those a deletion made knowing them (their secrets are
// meant to be gone), and the higher counter of each secret. The join is
// commutative, associative and idempotent.
func mergeRecords(a, b *record) *record {
	out := &record{counters: make(map[string]uint64, len(a.counters)+len(b.counters))}
	for _, r := range []*record{a, b} {
		for fp, n := range r.counters {
			out.counters[fp] = max(out.counters[fp], n)
		}
	}
	all := make([]*version, 0, len(a.versions)+len(b.versions))
	all = append(all, a.versions...)
	all = append(all, b.versions...)
	out.versions = normalize(all)
	return out
}

// normalize sorts versions newest first, drops repeats, and drops every
// version that a deletion descends from.
func normalize(vs []*version) []*version {
	slices.SortFunc(vs, func(x, y *version) int { return y.compare(x) })
	vs = slices.CompactFunc(vs, func(x, y *version) bool { return x.compare(y) == 0 })
	var tombs []*version
	for _, v := range vs {
		if v.entry.Deleted {
			tombs = append(tombs, v)
		}
	}
	if len(tombs) == 0 {
		return vs
	}
	out := vs[:0:0]
	for _, v := range vs {
		gone := false
		for _, t := range tombs {
			if t != v && t.descendsFrom(v) {
				gone = true
				break
			}
		}
		if !gone {
			out = append(out, v)
		}
	}
	return out
}

// Device is a device that syncs through the folder, as the newest file
// seen from it tells.
type Device struct {
	ID   string
	Name string
	Seen Stamp // when it last wrote its file

	// Revoked, if not nil, says that the device was revoked: its files
	// are ignored.
	Revoked *Revocation
}

// Revocation records that a device was revoked ([Revoke]): its files are
// ignored from then on, and the vault got a new master key, so that it
// reads nothing written afterwards.
type Revocation struct {
	Device string // the revoked device's ID
	Name   string // its name then
	By     string // the device that revoked it
	At     Stamp
	// Master is the fingerprint of the vault's master key when the
	// device was revoked ([vault.Vault.KeyFingerprint]): while the vault
	// still has that key, the revocation is not finished.
	Master string
}

// before orders revocations of one device, so that every replica keeps
// the same one: the earliest.
func (r Revocation) before(o Revocation) bool {
	if c := r.At.Compare(o.At); c != 0 {
		return c < 0
	}
	return r.By+r.Master < o.By+o.Master
}

// state is one device's view of every entry: what it publishes in its
// device file and keeps in the vault's sealed sync state.
type state struct {
	device, name string
	clock        clock
	records      map[string]*record
	devices      map[string]Device
	reported     map[string]bool // keys of versions already reported as the losing side of a conflict

	// pending records what the last sync gave the vault, by entry: the
	// content hash the vault holds once it took the change in, and the
	// one it held before. The state is saved before the vault's body, so
	// after a crash between the two the vault still holds "before": the
	// next sync applies the change again instead of taking the old content
	// for a change made on this device.
	pending map[string]applied

	// formerly lists the IDs this device synced under before it found
	// another copy of its vault writing under them (see cloned).
	formerly []string

	// revoked holds the devices revoked, by ID: a join of every
	// device's list (the earliest revocation of each is kept).
	revoked map[string]Revocation

	// file is the folder file a state was read from (inputs only).
	file string
}

// applied is a change a sync gave the vault (see state.pending): the
// content hashes after and before, and the Modified time of the entry
// before (in Unix nanoseconds), which the vault moves on when it takes the
// change in, or when the person changes the entry (even back to what it
// was).
type applied struct {
	after, before [32]byte
	beforeMod     int64
}

func newState() *state {
	return &state{records: map[string]*record{}, devices: map[string]Device{}, reported: map[string]bool{}, pending: map[string]applied{},
		revoked: map[string]Revocation{}}
}

// revoke records r, unless an earlier revocation of the device is known.
func (s *state) revoke(r Revocation) {
	if old, ok := s.revoked[r.Device]; !ok || r.before(old) {
		s.revoked[r.Device] = r
	}
}

// merge takes o into s (a join: see mergeRecords).
func (s *state) merge(o *state) {
	for _, r := range o.revoked {
		s.revoke(r)
	}
	for id, r := range o.records {
		if mine, ok := s.records[id]; ok {
			s.records[id] = mergeRecords(mine, r)
		} else {
			s.records[id] = mergeRecords(r, &record{})
		}
	}
	for id, d := range o.devices {
		if mine, ok := s.devices[id]; !ok || d.Seen.Compare(mine.Seen) > 0 {
			s.devices[id] = d
		}
	}
	s.clock.observe(o.clock.last)
}

// importLocal takes in the vault's entries: a change made on this device
// since the last sync becomes a new version, stamped now and descending
// from every version this device knew of the entry. A HOTP counter that
// only moved on raises the counter and makes no version.
func (s *state) importLocal(entries []vault.Entry, now time.Time) (made []*version) {
	for i := range entries {
		e := entries[i]
		r := s.records[e.ID]
		if r != nil && !e.Deleted {
			r.raiseCounter(&e)
		}
		if p, ok := s.pending[e.ID]; ok {
			sum := contentSum(&e, false)
			if sum == p.after || sum == p.before && e.Modified.UnixNano() == p.beforeMod {
				continue // the last sync's change, taken in or not yet
			}
		}
		switch {
		case e.Deleted && (r == nil || r.winner().entry.Deleted):
			continue // nobody else knew it, or the deletion is known
		case !e.Deleted && r != nil && !r.winner().entry.Deleted && contentSum(&e, false) == r.winner().same:
			continue
		}
		clk := map[string]uint64{}
		if r == nil {
			r = &record{counters: map[string]uint64{}}
			s.records[e.ID] = r
		}
		for _, v := range r.versions {
			for d, n := range v.clock {
				clk[d] = max(clk[d], n)
			}
		}
		clk[s.device]++
		// The vault's entries share their secrets with the vault: the
		// version gets copies of its own, zeroed with the state.
		e.Tags = slices.Clone(e.Tags)
		e.OTP.Secret = bytes.Clone(e.OTP.Secret)
		e.Token.Value = bytes.Clone(e.Token.Value)
		// Stamped at the time of the edit, so that the later edit wins
		// whichever device syncs first; the clock keeps stamps in order.
		at := e.Modified
		if at.IsZero() || at.After(now) {
			at = now
		}
		v := newVersion(s.clock.tick(at), s.device, clk, e)
		made = append(made, v)
		r.versions = normalize(append(r.versions, v))
		r.raiseCounter(&v.entry)
	}
	return made
}

// step is one sync of this device: it takes in the vault's entries (its
// local changes) and the states read from the folder, and returns how many
// local changes it published, the conflicts to report, and what the vault
// must take in. It stamps this device as seen now.
//
// The files of revoked devices are not merged: they come back in ignored.
func (s *state) step(entries []vault.Entry, inputs []*state, now time.Time) (sent int, conflicts []Conflict, changes []vault.Entry, ignored []*state) {
	for _, in := range inputs {
		for _, r := range in.revoked {
			s.revoke(r)
		}
	}
	inputs = slices.DeleteFunc(slices.Clone(inputs), func(in *state) bool {
		_, gone := s.revoked[in.device]
		if gone {
			ignored = append(ignored, in)
		}
		return gone
	})
	if s.cloned(inputs, now) {
		s.formerly = append(s.formerly, s.device)
		s.device = newDeviceID()
	}
	sent = len(s.importLocal(entries, now))
	for _, in := range inputs {
		s.merge(in)
	}
	s.expire(now)
	conflicts = s.conflicts()
	changes = s.changes(entries)
	s.pending = make(map[string]applied, len(changes))
	have := make(map[string]*vault.Entry, len(entries))
	for i := range entries {
		have[entries[i].ID] = &entries[i]
	}
	for i := range changes {
		var p applied
		p.after = contentSum(&changes[i], false)
		if e, ok := have[changes[i].ID]; ok {
			p.before, p.beforeMod = contentSum(e, false), e.Modified.UnixNano()
		}
		s.pending[changes[i].ID] = p
	}
	s.devices[s.device] = Device{ID: s.device, Name: s.name, Seen: s.clock.tick(now)}
	return sent, conflicts, changes, ignored
}

// cloned reports whether another copy of this vault writes under this
// device's ID: a file of this device holds a version of it that this state
// does not know. That happens when a vault folder is copied to another
// computer instead of joining, or its sync state is put back from an
// older copy; the device then continues under a new ID, so that the two
// copies' changes are told apart from now on.
func (s *state) cloned(inputs []*state, now time.Time) bool {
	cut := now.Add(-TombstoneAge).UnixMilli()
	for _, in := range inputs {
		for id, r := range in.records {
			for _, v := range r.versions {
				if v.by != s.device || v.at.Wall < cut {
					continue
				}
				mine := s.records[id]
				if mine != nil && slices.ContainsFunc(mine.versions, func(m *version) bool {
					return m.compare(v) == 0 || m.entry.Deleted && m.descendsFrom(v)
				}) {
					continue
				}
				return true
			}
		}
	}
	return false
}

func newDeviceID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// changes returns what the vault must take in so that its entries are the
// winners of s: entries the vault lacks or holds otherwise, tombstones for
// those deleted elsewhere, and raised HOTP counters.
func (s *state) changes(entries []vault.Entry) []vault.Entry {
	have := make(map[string]*vault.Entry, len(entries))
	for i := range entries {
		have[entries[i].ID] = &entries[i]
	}
	var out []vault.Entry
	for id, r := range s.records {
		e, ok := have[id]
		w := r.winner()
		if w.entry.Deleted {
			if ok && !e.Deleted {
				out = append(out, vault.Entry{ID: id, Deleted: true})
			}
			continue
		}
		eff := r.effective()
		if !ok || e.Deleted || contentSum(e, false) != w.same ||
			(eff.Kind == vault.KindOTP && eff.OTP.Kind == otp.HOTP && e.OTP.Counter < eff.OTP.Counter) {
			out = append(out, eff)
		}
	}
	slices.SortFunc(out, func(a, b vault.Entry) int { return bytes.Compare([]byte(a.ID), []byte(b.ID)) })
	return out
}

// Conflict is the losing side of a concurrent change: two devices changed
// (or one deleted) the same entry without knowing of the other's change,
// and the later change won. The loser stays in the entry's history.
type Conflict struct {
	EntryID string
	Label   string // the entry's name, as the loser had it
	Winner  Change
	Loser   Change
}

// Change says who changed an entry, when, and whether it was a deletion.
type Change struct {
	Device  string // device ID
	Name    string // device name, if known
	At      time.Time
	Deleted bool
}

func (s *state) change(v *version) Change {
	return Change{Device: v.by, Name: s.devices[v.by].Name, At: v.at.Time(), Deleted: v.entry.Deleted}
}

// conflicts returns the losing sides of concurrent changes not reported
// before, and marks them reported. Reports of versions no longer kept are
// forgotten.
func (s *state) conflicts() []Conflict {
	var out []Conflict
	live := map[string]bool{}
	for id, r := range s.records {
		w := r.winner()
		for _, x := range r.versions[1:] {
			k := x.key()
			live[k] = true
			if w.descendsFrom(x) || x.same == w.same || s.reported[k] {
				continue
			}
			s.reported[k] = true
			label := x.entry.Label()
			if x.entry.Deleted {
				label = w.entry.Label()
			}
			out = append(out, Conflict{EntryID: id, Label: label, Winner: s.change(w), Loser: s.change(x)})
		}
	}
	for k := range s.reported {
		if !live[k] {
			delete(s.reported, k)
		}
	}
	slices.SortFunc(out, func(a, b Conflict) int { return bytes.Compare([]byte(a.EntryID), []byte(b.EntryID)) })
	return out
}

// expire drops deletions older than [TombstoneAge], with their entries,
// and history versions older than that.
func (s *state) expire(now time.Time) {
	cut := now.Add(-TombstoneAge).UnixMilli()
	for id, r := range s.records {
		if w := r.winner(); w.entry.Deleted && w.at.Wall < cut {
			delete(s.records, id)
			continue
		}
		keep := r.versions[:1]
		for _, v := range r.versions[1:] {
			if v.at.Wall >= cut {
				keep = append(keep, v)
			}
		}
		r.versions = keep
	}
}

// HistoryItem is one kept version of an entry.
type HistoryItem struct {
	Entry    vault.Entry // the content as that change left it (a tombstone for a deletion)
	Change   Change
	Current  bool // the version the entry holds now
	Conflict bool // the losing side of a concurrent change
}

// history returns the kept versions of entry id, newest first.
func (s *state) history(id string) []HistoryItem {
	r := s.records[id]
	if r == nil {
		return nil
	}
	w := r.winner()
	out := make([]HistoryItem, len(r.versions))
	for i, v := range r.versions {
		e := v.entry
		e.Tags = slices.Clone(e.Tags)
		out[i] = HistoryItem{Entry: e, Change: s.change(v), Current: i == 0,
			Conflict: i > 0 && !w.descendsFrom(v) && v.same != w.same}
	}
	return out
}

// zero clears the secrets of every version s holds.
func (s *state) zero() {
	for _, r := range s.records {
		for _, v := range r.versions {
			clear(v.entry.OTP.Secret)
			clear(v.entry.Token.Value)
		}
	}
}

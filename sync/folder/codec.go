package folder

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tessera-auth/tessera/vault"
)

// FormatVersion is the version of the device file format this package
// writes and the newest it reads.
const FormatVersion = 1

const (
	deviceFormat = "tessera-sync-device"
	stateFormat  = "tessera-sync-state"
)

// maxPayload caps the decrypted content of a device file or the sync state.
const maxPayload = 64 << 20

// encode appends the JSON form of s to dst: its device file content, or
// with forState its sealed state (which adds the conflicts reported). Entries
// are written in the vault body's own form; zero dst after use.
func (s *state) encode(dst []byte, forState bool) []byte {
	format := deviceFormat
	if forState {
		format = stateFormat
	}
	dst = append(dst, `{"format":"`+format+`","version":`...)
	dst = strconv.AppendInt(dst, FormatVersion, 10)
	dst = append(dst, `,"device":`...)
	dst = appendJSON(dst, s.device)
	dst = append(dst, `,"name":`...)
	dst = appendJSON(dst, s.name)
	dst = append(dst, `,"clock":`...)
	dst = appendStamp(dst, s.clock.last)
	dst = append(dst, `,"devices":[`...)
	ids := sortedKeys(s.devices)
	for i, id := range ids {
		if i > 0 {
			dst = append(dst, ',')
		}
		d := s.devices[id]
		dst = append(dst, `{"id":`...)
		dst = appendJSON(dst, d.ID)
		dst = append(dst, `,"name":`...)
		dst = appendJSON(dst, d.Name)
		dst = append(dst, `,"seen":`...)
		dst = appendStamp(dst, d.Seen)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"revoked":[`...)
	for i, id := range sortedKeys(s.revoked) {
		if i > 0 {
			dst = append(dst, ',')
		}
		r := s.revoked[id]
		dst = append(dst, `{"id":`...)
		dst = appendJSON(dst, r.Device)
		dst = append(dst, `,"name":`...)
		dst = appendJSON(dst, r.Name)
		dst = append(dst, `,"by":`...)
		dst = appendJSON(dst, r.By)
		dst = append(dst, `,"at":`...)
		dst = appendStamp(dst, r.At)
		dst = append(dst, `,"master":`...)
		dst = appendJSON(dst, r.Master)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"entries":[`...)
	for i, id := range sortedKeys(s.records) {
		if i > 0 {
			dst = append(dst, ',')
		}
		r := s.records[id]
		dst = append(dst, "\n"+`{"id":`...)
		dst = appendJSON(dst, id)
		if len(r.counters) > 0 {
			dst = append(dst, `,"counters":{`...)
			for j, fp := range sortedKeys(r.counters) {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = appendJSON(dst, fp)
				dst = append(dst, ':')
				dst = strconv.AppendUint(dst, r.counters[fp], 10)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, `,"versions":[`...)
		for j, v := range r.versions {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"at":`...)
			dst = appendStamp(dst, v.at)
			dst = append(dst, `,"by":`...)
			dst = appendJSON(dst, v.by)
			dst = append(dst, `,"clock":{`...)
			for k, d := range sortedKeys(v.clock) {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = appendJSON(dst, d)
				dst = append(dst, ':')
				dst = strconv.AppendUint(dst, v.clock[d], 10)
			}
			dst = append(dst, `},"entry":`...)
			dst = vault.AppendEntryJSON(dst, &v.entry)
			dst = append(dst, '}')
		}
		dst = append(dst, "]}"...)
	}
	dst = append(dst, "\n]"...)
	if forState {
		dst = append(dst, `,"reported":[`...)
		for i, k := range sortedKeys(s.reported) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, k)
		}
		dst = append(dst, `],"formerly":[`...)
		for i, id := range s.formerly {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, id)
		}
		dst = append(dst, `],"pending":[`...)
		for i, id := range sortedKeys(s.pending) {
			if i > 0 {
				dst = append(dst, ',')
			}
			p := s.pending[id]
			dst = append(dst, `{"id":`...)
			dst = appendJSON(dst, id)
			dst = append(dst, `,"after":"`...)
			dst = hex.AppendEncode(dst, p.after[:])
			dst = append(dst, `","before":"`...)
			dst = hex.AppendEncode(dst, p.before[:])
			dst = append(dst, `","before_modified":`...)
			dst = strconv.AppendInt(dst, p.beforeMod, 10)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, "}\n"...)
}

func appendStamp(dst []byte, s Stamp) []byte {
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, s.Wall, 10)
	dst = append(dst, ',')
	dst = strconv.AppendUint(dst, uint64(s.Logical), 10)
	return append(dst, ']')
}

// appendJSON appends a JSON string holding no secret.
func appendJSON(dst []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(dst, b...)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// The JSON shapes decode reads.
type (
	payloadJSON struct {
		Format  string       `json:"format"`
		Version int          `json:"version"`
		Device  string       `json:"device"`
		Name    string       `json:"name"`
		Clock   stampJSON    `json:"clock"`
		Devices []deviceJSON `json:"devices"`
		Revoked []struct {
			ID     string    `json:"id"`
			Name   string    `json:"name"`
			By     string    `json:"by"`
			At     stampJSON `json:"at"`
			Master string    `json:"master"`
		} `json:"revoked"`
		Entries  []recordJSON `json:"entries"`
		Reported []string     `json:"reported"`
		Formerly []string     `json:"formerly"`
		Pending  []struct {
			ID        string `json:"id"`
			After     string `json:"after"`
			Before    string `json:"before"`
			BeforeMod int64  `json:"before_modified"`
		} `json:"pending"`
	}
	stampJSON  []int64
	deviceJSON struct {
		ID   string    `json:"id"`
		Name string    `json:"name"`
		Seen stampJSON `json:"seen"`
	}
	recordJSON struct {
		ID       string            `json:"id"`
		Counters map[string]uint64 `json:"counters"`
		Versions []versionJSON     `json:"versions"`
	}
	versionJSON struct {
		At    stampJSON         `json:"at"`
		By    string            `json:"by"`
		Clock map[string]uint64 `json:"clock"`
		Entry json.RawMessage   `json:"entry"`
	}
)

func (j stampJSON) stamp() (Stamp, error) {
	if len(j) != 2 || j[0] < 0 || j[1] < 0 || j[1] > math.MaxUint32 {
		return Stamp{}, errors.New("not a [milliseconds, counter] clock reading")
	}
	return Stamp{Wall: j[0], Logical: uint32(j[1])}, nil
}

// validDevice reports whether id is a device ID: 16 lower-case hex digits.
func validDevice(id string) bool {
	if len(id) != 16 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// decode parses a device file's content (forState false) or the sealed
// sync state. Errors say where the content is wrong, never a secret.
func decode(b []byte, forState bool) (*state, error) {
	if len(b) > maxPayload {
		return nil, fmt.Errorf("content is larger than %d bytes", maxPayload)
	}
	// The format and version first, so that a newer file is reported as
	// such and not as malformed.
	head, ok := leadingHead(b)
	if !ok {
		if err := json.Unmarshal(b, &head); err != nil {
			return nil, fmt.Errorf("not valid JSON: %v", err)
		}
	}
	want := deviceFormat
	if forState {
		want = stateFormat
	}
	if head.Format != want {
		return nil, fmt.Errorf("format is %q, want %q", clip(head.Format), want)
	}
	if head.Version > FormatVersion {
		return nil, fmt.Errorf("format version %d is newer than this Tessera reads (%d): update Tessera on this device", head.Version, FormatVersion)
	}
	if head.Version < 1 {
		return nil, fmt.Errorf("format version %d is not valid", head.Version)
	}
	var p payloadJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("not valid: %v", err)
	}
	defer func() {
		for i := range p.Entries {
			for j := range p.Entries[i].Versions {
				clear(p.Entries[i].Versions[j].Entry)
			}
		}
	}()
	s := newState()
	if !validDevice(p.Device) {
		return nil, fmt.Errorf("device %q is not a device ID", clip(p.Device))
	}
	if !utf8.ValidString(p.Name) || len(p.Name) > maxName {
		return nil, errors.New("device name is not UTF-8 text of at most 200 bytes")
	}
	s.device, s.name = p.Device, p.Name
	var err error
	if s.clock.last, err = p.Clock.stamp(); err != nil {
		return nil, fmt.Errorf("clock: %v", err)
	}
	for i, d := range p.Devices {
		seen, err := d.Seen.stamp()
		if err != nil || !validDevice(d.ID) || !utf8.ValidString(d.Name) || len(d.Name) > maxName {
			return nil, fmt.Errorf("device %d of the list is not valid", i+1)
		}
		if old, ok := s.devices[d.ID]; !ok || seen.Compare(old.Seen) > 0 {
			s.devices[d.ID] = Device{ID: d.ID, Name: d.Name, Seen: seen}
		}
	}
	for i, rj := range p.Revoked {
		at, err := rj.At.stamp()
		if err != nil || !validDevice(rj.ID) || !validDevice(rj.By) || !utf8.ValidString(rj.Name) || len(rj.Name) > maxName || len(rj.Master) > 64 {
			return nil, fmt.Errorf("revocation %d is not valid", i+1)
		}
		s.revoke(Revocation{Device: rj.ID, Name: rj.Name, By: rj.By, At: at, Master: rj.Master})
	}
	for i, rj := range p.Entries {
		r, err := decodeRecord(&rj)
		if err != nil {
			s.zero()
			return nil, fmt.Errorf("entry %d (id %q): %v", i+1, clip(rj.ID), err)
		}
		if _, dup := s.records[rj.ID]; dup {
			s.zero()
			return nil, fmt.Errorf("entry %d (id %q) repeats an earlier entry", i+1, clip(rj.ID))
		}
		s.records[rj.ID] = r
		for _, v := range r.versions {
			s.clock.observe(v.at)
		}
	}
	for _, k := range p.Reported {
		s.reported[k] = true
	}
	for _, id := range p.Formerly {
		if !validDevice(id) {
			return nil, fmt.Errorf("former device ID %q is not valid", clip(id))
		}
		s.formerly = append(s.formerly, id)
	}
	for _, pj := range p.Pending {
		var a applied
		after, err1 := hex.DecodeString(pj.After)
		before, err2 := hex.DecodeString(pj.Before)
		if err1 != nil || err2 != nil || len(after) != 32 || len(before) != 32 {
			return nil, fmt.Errorf("pending change of %q is not valid", clip(pj.ID))
		}
		copy(a.after[:], after)
		copy(a.before[:], before)
		a.beforeMod = pj.BeforeMod
		s.pending[pj.ID] = a
	}
	return s, nil
}

// fileHead is what a device file or state says of its own format.
type fileHead struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// leadingHead reads the format and version from the first two fields of
// the document, where encode puts them, without parsing the rest; ok is
// false if they are not there.
func leadingHead(b []byte) (h fileHead, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return h, false
	}
	for range 2 {
		t, err := dec.Token()
		if err != nil {
			return h, false
		}
		switch t {
		case "format":
			err = dec.Decode(&h.Format)
		case "version":
			err = dec.Decode(&h.Version)
		default:
			return h, false
		}
		if err != nil {
			return h, false
		}
	}
	return h, true
}

// MaxName caps a device name, in bytes.
const MaxName = 200

const maxName = MaxName

func decodeRecord(rj *recordJSON) (*record, error) {
	if rj.ID == "" || len(rj.ID) > 64 {
		return nil, errors.New("the id is empty or too long")
	}
	if len(rj.Versions) == 0 {
		return nil, errors.New("no versions")
	}
	r := &record{counters: map[string]uint64{}}
	for fp, n := range rj.Counters {
		r.counters[fp] = n
	}
	for j := range rj.Versions {
		vj := &rj.Versions[j]
		at, err := vj.At.stamp()
		if err != nil {
			return nil, fmt.Errorf("version %d: %v", j+1, err)
		}
		if !validDevice(vj.By) || vj.Clock[vj.By] == 0 {
			return nil, fmt.Errorf("version %d: device %q or its clock is not valid", j+1, clip(vj.By))
		}
		for d := range vj.Clock {
			if !validDevice(d) {
				return nil, fmt.Errorf("version %d: clock names %q, not a device ID", j+1, clip(d))
			}
		}
		e, err := vault.ParseEntryJSON(vj.Entry)
		if err != nil {
			zeroVersions(r.versions)
			return nil, fmt.Errorf("version %d: %v", j+1, err)
		}
		if e.ID != rj.ID {
			zeroVersions(r.versions)
			return nil, fmt.Errorf("version %d holds another entry's id", j+1)
		}
		v := newVersion(at, vj.By, vj.Clock, e)
		r.versions = append(r.versions, v)
		r.raiseCounter(&v.entry)
	}
	r.versions = normalize(r.versions)
	return r, nil
}

func zeroVersions(vs []*version) {
	for _, v := range vs {
		clear(v.entry.OTP.Secret)
		clear(v.entry.Token.Value)
	}
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

package approve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// Events of the audit log.
const (
	EventPairing  = "pairing"  // a program asked to pair
	EventPaired   = "paired"   // the person typed the pairing code
	EventRequest  = "request"  // a client asked for an approval
	EventApproved = "approved" // the person approved
	EventDenied   = "denied"   // the person denied (or too many wrong codes)
	EventExpired  = "expired"  // nobody decided in time
	EventRefused  = "refused"  // refused without asking (muted client)
	EventRevoked  = "revoked"  // a client was revoked
)

// MaxLogRecords is how many records the audit log keeps (the oldest go).
const MaxLogRecords = 5000

// Record is one line of the audit log: who asked, what was shown, when,
// and the outcome.
type Record struct {
	Time       time.Time     `json:"time"`
	Event      string        `json:"event"`
	ClientID   string        `json:"client_id,omitempty"`
	ClientName string        `json:"client_name,omitempty"`
	Caller     string        `json:"caller,omitempty"`
	LoginHint  string        `json:"login_hint,omitempty"`
	Message    string        `json:"binding_message,omitempty"`
	Context    []ContextItem `json:"context,omitempty"`
	MatchCode  string        `json:"match_code,omitempty"`
	Detail     string        `json:"detail,omitempty"`
}

// String is the record on one line, for the CLI and searches.
func (r Record) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-8s", r.Time.Local().Format("2006-01-02 15:04:05"), r.Event)
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%q", k, v)
		}
	}
	add("client", r.ClientName)
	add("id", r.ClientID)
	add("caller", r.Caller)
	add("login_hint", r.LoginHint)
	add("message", r.Message)
	for _, c := range r.Context {
		add(c.Key, c.Value)
	}
	add("detail", r.Detail)
	return b.String()
}

// Matches reports whether the record contains q, ignoring case.
func (r Record) Matches(q string) bool {
	return strings.Contains(strings.ToLower(r.String()), strings.ToLower(q))
}

// ReadLog returns the audit log of the vault in st, oldest first.
func ReadLog(st Store) ([]Record, error) {
	b, err := st.ReadSealed(logFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the approval log: %w", err)
	}
	var recs []Record
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("reading the approval log: %w", err)
	}
	return recs, nil
}

// Log returns the audit log; see [ReadLog]. Records of a time the vault
// was locked are included once written.
func (s *Service) Log() ([]Record, error) {
	st := s.store()
	if st == nil {
		return nil, ErrLockedVault
	}
	s.flushLog(st)
	return ReadLog(st)
}

// log adds r to the audit log. A goroutine of the service writes the
// records in batches, off the requests' path, while the vault is
// unlocked; until then they wait in memory (see FlushLog).
func (s *Service) log(r Record) {
	r.Time = s.clock.Now().UTC()
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if len(s.logPending) < MaxLogRecords {
		s.logPending = append(s.logPending, r)
	}
	if s.closed {
		return
	}
	select {
	case s.logKick <- struct{}{}:
	default: // a flush is due already and will take r
	}
}

// flushLoop is the service's log writer.
func (s *Service) flushLoop() {
	defer close(s.flushDone)
	for range s.logKick {
		s.FlushLog()
	}
	s.FlushLog()
}

// Close writes what the log holds (if the vault is unlocked) and stops the
// service's log writer. Call it when the service ends.
func (s *Service) Close() {
	s.logMu.Lock()
	if !s.closed {
		s.closed = true
		close(s.logKick)
	}
	s.logMu.Unlock()
	<-s.flushDone
}

// FlushLog writes the records waiting for the vault now, if it is
// unlocked; the GUI calls it after an unlock.
func (s *Service) FlushLog() {
	if st := s.store(); st != nil {
		s.flushLog(st)
	}
}

func (s *Service) flushLog(st Store) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if len(s.logPending) == 0 {
		return
	}
	if appendLogTo(st, s.logPending) == nil {
		s.logPending = nil
	}
}

// appendLogTo adds recs to the log file in st.
func appendLogTo(st Store, recs []Record) error {
	old, err := ReadLog(st)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	all := append(old, recs...)
	if len(all) > MaxLogRecords {
		all = all[len(all)-MaxLogRecords:]
	}
	return writeJSON(st, logFile, all)
}

package loopback_test

import (
	"fmt"
	"io"

	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tessera-auth/tessera/app/approve"
	"github.com/tessera-auth/tessera/app/clock"
	"github.com/tessera-auth/tessera/app/loopback"
)

// TestLoad: 50 paired clients each ask for one approval and poll at their
// interval (the pending caps make most of them retry after 429) while 8
// goroutines flood the server with refused requests; an automatic person
// approves every prompt. Every legitimate call is answered, every client
// gets its token, and the heap stays bounded. Bounded in count (50
// approvals) and time (60 s).
func TestLoad(t *testing.T) {
	e := newEnvWith(t, func(c *approve.Config) { c.Clock = clock.Real; c.Interval = time.Second })
	const clients = 50
	regs := make([]approve.Registration, clients)
	for i := range regs {
		regs[i] = e.pairNoCode(t, fmt.Sprintf("load %d", i))
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	stop := make(chan struct{})
	var person sync.WaitGroup
	person.Add(1)
	go func() { // the person approves whatever shows up
		defer person.Done()
		for {
			select {
			case p := <-e.ask.prompts:
				if err := e.svc.Approve(p.ID, ""); err != nil {
					t.Errorf("approving: %v", err)
				}
			case <-stop:
				return
			}
		}
	}()
	var flooded atomic.Int64
	var flood sync.WaitGroup
	for i := 0; i < 8; i++ {
		flood.Add(1)
		go func(i int) {
			defer flood.Done()
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var req *http.Request
				switch n % 4 {
				case 0: // no credentials
					req, _ = http.NewRequest("POST", e.iss+loopback.PathBackchan, strings.NewReader("scope=openid&login_hint=x"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				case 1: // wrong secret
					req, _ = http.NewRequest("POST", e.iss+loopback.PathToken, strings.NewReader("grant_type=x&auth_req_id=y"))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.SetBasicAuth(regs[n%clients].ClientID, "wrong")
				case 2: // a web page
					req, _ = http.NewRequest("POST", e.iss+loopback.PathPair, strings.NewReader("{}"))
					req.Header.Set("Origin", "http://evil.example")
				case 3: // rebinding
					req, _ = http.NewRequest("GET", e.iss+loopback.PathDiscovery, nil)
					req.Host = "evil.example"
				}
				resp, err := hc.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode < 400 {
					t.Errorf("flood request %d answered %d", n%4, resp.StatusCode)
				}
				flooded.Add(1)
			}
		}(i)
	}

	deadline := time.Now().Add(60 * time.Second)
	var wg sync.WaitGroup
	var got atomic.Int64
	var lat sync.Mutex
	var polls []time.Duration
	for i := range regs {
		wg.Add(1)
		go func(reg approve.Registration) {
			defer wg.Done()
			hc := &http.Client{Timeout: 10 * time.Second}
			call := func(path string, vals url.Values) (int, string) {
				req, _ := http.NewRequest("POST", e.iss+path, strings.NewReader(vals.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(reg.ClientID, reg.ClientSecret)
				start := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					t.Errorf("%s: a legitimate request was not answered: %v", reg.ClientName, err)
					return 0, ""
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if path == loopback.PathToken {
					lat.Lock()
					polls = append(polls, time.Since(start))
					lat.Unlock()
				}
				return resp.StatusCode, string(b)
			}
			for time.Now().Before(deadline) {
				st, body := call(loopback.PathBackchan, url.Values{"scope": {"openid"}, "login_hint": {"load"}})
				if st == 429 {
					time.Sleep(500 * time.Millisecond) // the client's own back-off, as a real one would
					continue
				}
				if st != 200 {
					t.Errorf("%s: backchannel %d %s", reg.ClientName, st, body)
					return
				}
				id := body[strings.Index(body, `"auth_req_id":"`)+15:]
				id = id[:strings.IndexByte(id, '"')]
				for time.Now().Before(deadline) {
					time.Sleep(time.Second) // the interval
					st, body := call(loopback.PathToken, url.Values{"grant_type": {approve.GrantType}, "auth_req_id": {id}})
					if st == 200 {
						got.Add(1)
						return
					}
					if !strings.Contains(body, "authorization_pending") {
						t.Errorf("%s: poll %d %s", reg.ClientName, st, body)
						return
					}
				}
			}
			t.Errorf("%s: no token within the time bound", reg.ClientName)
		}(regs[i])
	}
	wg.Wait()
	close(stop)
	flood.Wait()
	person.Wait()
	if got.Load() != clients {
		t.Fatalf("%d of %d clients got their token", got.Load(), clients)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapInuse) - int64(before.HeapInuse)
	sort.Slice(polls, func(i, j int) bool { return polls[i] < polls[j] })
	t.Logf("%d flood requests refused; %d polls, p50 %v p99 %v; heap in use grew %d KiB",
		flooded.Load(), len(polls), polls[len(polls)/2], polls[len(polls)*99/100], growth>>10)
	if growth > 32<<20 {
		t.Fatalf("heap in use grew by %d MiB", growth>>20)
	}
}

// BenchmarkTokenPoll measures one authenticated token poll over loopback
// HTTP (keep-alive), the call every waiting client makes at its interval:
// p50 and p99 latency and polls per second.
func BenchmarkTokenPoll(b *testing.B) {
	e := newEnvWith(b, func(c *approve.Config) { c.Clock = clock.Real })
	reg := e.pair(b, "bench", approve.ES256)
	ans := e.ask1(b, reg, nil)
	body := url.Values{"grant_type": {approve.GrantType}, "auth_req_id": {ans["auth_req_id"].(string)}}.Encode()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	lats := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		req, _ := http.NewRequest("POST", e.iss+loopback.PathToken, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(reg.ClientID, reg.ClientSecret)
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		lats = append(lats, time.Since(t0))
		if resp.StatusCode != 400 { // authorization_pending or slow_down
			b.Fatalf("poll answered %d", resp.StatusCode)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "polls/s")
}

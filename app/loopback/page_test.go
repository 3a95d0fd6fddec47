package loopback_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/tessera-auth/tessera/app/loopback"
)

// TestPageAccess: a Page route takes the headers a browser sends with its
// own page's requests, but only at localhost:PORT, and may allow a larger
// body; every other route still refuses those headers.
func TestPageAccess(t *testing.T) {
	s := loopback.New(nil)
	if err := s.Listen(0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	reached, total := map[string]int{}, 0
	seen := func() int { mu.Lock(); defer mu.Unlock(); return total }
	count := func(w http.ResponseWriter, c *loopback.Call) {
		mu.Lock()
		reached[c.Request.URL.Path]++
		total++
		mu.Unlock()
		loopback.JSON(w, http.StatusOK, map[string]int{"body": len(c.Body)})
	}
	s.Handle(loopback.Route{Method: "GET", Path: "/page/", Access: loopback.Page, Handle: count})
	s.Handle(loopback.Route{Method: "POST", Path: "/page/post", Access: loopback.Page, MaxBody: 64 << 10, Handle: count})
	s.Handle(loopback.Route{Method: "POST", Path: "/page/small", Access: loopback.Page, Handle: count})
	s.Handle(loopback.Route{Method: "GET", Path: "/api", Access: loopback.Public, Handle: count})
	s.Serve()
	t.Cleanup(func() { s.Close() })
	p := s.Port()
	local := fmt.Sprintf("localhost:%d", p)
	origin := "Origin: http://" + local
	browser := []string{origin, "Referer: http://" + local + "/page/", "Sec-Fetch-Site: same-origin", "Sec-Fetch-Dest: empty"}
	req := func(method, path, host string, body int, hdr ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, host)
		for _, h := range hdr {
			b.WriteString(h + "\r\n")
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", body, strings.Repeat(" ", body))
		return b.String()
	}
	rows := []struct {
		name string
		text string
		want int
	}{
		{"page from the browser", req("GET", "/page/", local, 0, browser...), 200},
		{"page post from the browser", req("POST", "/page/post", local, 100, browser...), 200},
		{"page body above 16 KiB, within the route's limit", req("POST", "/page/post", local, 40<<10, browser...), 200},
		{"page body above the route's limit", req("POST", "/page/post", local, 65<<10, browser...), 413},
		{"page body above 16 KiB, default limit", req("POST", "/page/small", local, 20<<10, browser...), 413},
		{"page at 127.0.0.1", req("GET", "/page/", fmt.Sprintf("127.0.0.1:%d", p), 0, browser...), 421},
		{"page at [::1]", req("GET", "/page/", fmt.Sprintf("[::1]:%d", p), 0, browser...), 421},
		{"page at localhost, wrong port", req("GET", "/page/", fmt.Sprintf("localhost:%d", p+1), 0, browser...), 403},
		{"page at evil.com", req("GET", "/page/", "evil.com", 0, browser...), 403},
		{"page with a query", req("GET", "/page/?x=1", local, 0, browser...), 403},
		{"page with an escaped path", req("GET", "/page%2F", local, 0), 400},
		{"page, method of no route", req("PUT", "/page/", local, 0, browser...), 403},
		{"page, options", req("OPTIONS", "/page/post", local, 0, browser...), 403},
		{"api with Origin", req("GET", "/api", local, 0, origin), 403},
		{"api with Sec-Fetch-Site", req("GET", "/api", local, 0, "Sec-Fetch-Site: same-origin"), 403},
		{"api with Referer", req("GET", "/api", local, 0, "Referer: http://"+local+"/page/"), 403},
		{"api body above 16 KiB", req("GET", "/api", local, 20<<10), 413},
		{"api without browser headers", req("GET", "/api", fmt.Sprintf("127.0.0.1:%d", p), 0), 200},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := seen()
			st, hdr := rawAt(t, p, r.text)
			if st != r.want {
				t.Errorf("status %d, want %d", st, r.want)
			}
			if r.want != 200 && seen() != before {
				t.Error("a refused request reached the route")
			}
			for k := range hdr {
				if strings.HasPrefix(strings.ToLower(k), "access-control-") {
					t.Errorf("CORS header %s in the answer", k)
				}
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if reached["/page/"] != 1 || reached["/page/post"] != 2 || reached["/api"] != 1 {
		t.Fatalf("routes reached %v, want the four accepted requests", reached)
	}
}

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// drive runs op in a closed loop on concurrency workers for d (or until ctx ends) and
// returns the window it measured. Each worker passes its index and its iteration. A
// request in flight when the window closes finishes: cutting it off would count the
// bench's own deadline as the shop's timeout.
func drive(ctx context.Context, concurrency int, d time.Duration, op func(ctx context.Context, worker, i int)) time.Duration {
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil && time.Now().Before(end); i++ {
				op(ctx, w, i)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// api talks JSON to the gateway.
type api struct {
	base string // e.g. http://127.0.0.1:8080/api/v1
	http *http.Client
}

func newAPI(url string, concurrency int) *api {
	transport := &http.Transport{
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     30 * time.Second,
	}
	return &api{base: url + "/api/v1", http: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
}

// withPool is a client of the same shop keeping up to n idle connections.
func (a *api) withPool(n int) *api {
	b := newAPI("", n)
	b.base = a.base
	return b
}

func (a *api) close() { a.http.CloseIdleConnections() }

// call sends one request and decodes a 2xx body into out (when not nil). The outcome
// carries the envelope's code on failure. A request abandoned by its ctx is a timeout.
func (a *api) call(ctx context.Context, method, path, token string, body, out any, headers ...string) Outcome {
	var rdr io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return Outcome{Err: err}
		}
		rdr = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rdr)
	if err != nil {
		return Outcome{Err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := a.http.Do(req)
	if err != nil {
		return Outcome{Latency: time.Since(start), Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	o := Outcome{Latency: time.Since(start), Status: resp.StatusCode, Err: err, RetryAfter: resp.Header.Get("Retry-After")}
	if err != nil {
		return o
	}
	if !o.ok() {
		var envelope struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(raw, &envelope)
		o.Code = envelope.Code
		return o
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			o.Err = fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return o
}

// must turns a failed setup call into an error naming it.
func must(o Outcome, what string) error {
	if o.ok() {
		return nil
	}
	if o.Err != nil {
		return fmt.Errorf("%s: %w", what, o.Err)
	}
	return fmt.Errorf("%s: HTTP %d %s", what, o.Status, o.Code)
}

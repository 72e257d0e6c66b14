// Renewal latency of the many-electors mode (ELECTORS=N), measured the way bench/scale.ts measures
// Leasehold's (issue 25): from sending the write to its answer, here from the lock's Update being called to
// its return (client-go's leader fast path: one PUT, answer decoded), and split at the transport (a
// rest.Config WrapTransport round tripper) into the request's start to its response headers and the
// headers to the body read and closed. Also counted: Lease requests started per 100 ms (are the renewals in
// phase?) and the most in flight at once (client-side queueing on the HTTP/2 connection).
//
// SIGUSR1 prints what was measured since the previous SIGUSR1 as one line
// {"event":"latency", ...} and starts afresh: the benchmark sends one when its window opens and one when it
// closes. Fixed-size histograms, so measuring allocates nothing per request beyond a body wrapper.
package main

import (
	"context"
	"io"
	"math/bits"
	"net/http"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// histogram: values in microseconds; exact below 128 µs, then 64 buckets per power of two (1.6% wide).
type histogram struct {
	counts [128 + 40*64]uint32
	n      uint64
}

func bucketOf(us int64) int {
	if us < 128 {
		if us < 0 {
			return 0
		}
		return int(us)
	}
	e := 63 - bits.LeadingZeros64(uint64(us)) // >= 7
	sub := int((us >> (e - 6)) & 63)
	b := 128 + (e-7)*64 + sub
	if b >= len(histogram{}.counts) {
		return len(histogram{}.counts) - 1
	}
	return b
}

// lowest value of bucket b, in microseconds
func valueOf(b int) int64 {
	if b < 128 {
		return int64(b)
	}
	e := (b-128)/64 + 7
	sub := int64((b - 128) % 64)
	return (64 + sub) << (e - 6)
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(d.Microseconds())]++
	h.n++
}

// percentile p (0-100) in milliseconds; NaN-free: 0 when empty.
func (h *histogram) percentile(p float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(float64(h.n) * p / 100)
	if rank >= h.n {
		rank = h.n - 1
	}
	var seen uint64
	for b, c := range h.counts {
		seen += uint64(c)
		if seen > rank {
			return float64(valueOf(b)) / 1000
		}
	}
	return 0
}

// timings: everything measured since the last report, under one mutex (a few hundred requests a second).
type timings struct {
	mu       sync.Mutex
	update   histogram // Update called to returned (send to answer)
	get      histogram // Get called to returned
	headers  histogram // transport: request start to response headers
	body     histogram // transport: response headers to body closed
	failed   uint64
	inFlight int
	maxIn    int
	since    time.Time
	bins     map[int64]uint32 // Lease requests started, per 100 ms since `since`
}

var measured = &timings{since: time.Now(), bins: map[int64]uint32{}}

func (t *timings) started() {
	t.mu.Lock()
	t.inFlight++
	if t.inFlight > t.maxIn {
		t.maxIn = t.inFlight
	}
	t.bins[int64(time.Since(t.since)/(100*time.Millisecond))]++
	t.mu.Unlock()
}

// report returns what was measured and starts afresh.
func (t *timings) report() map[string]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	var total, most uint64
	for _, c := range t.bins {
		total += uint64(c)
		if uint64(c) > most {
			most = uint64(c)
		}
	}
	bins := time.Since(t.since) / (100 * time.Millisecond)
	mean := 0.0
	if bins > 0 {
		mean = float64(total) / float64(bins)
	}
	out := map[string]any{
		"event":             "latency",
		"renewals":          t.update.n,
		"p50":               t.update.percentile(50),
		"p99":               t.update.percentile(99),
		"gets":              t.get.n,
		"getP99":            t.get.percentile(99),
		"headersP50":        t.headers.percentile(50),
		"headersP99":        t.headers.percentile(99),
		"bodyP50":           t.body.percentile(50),
		"bodyP99":           t.body.percentile(99),
		"failed":            t.failed,
		"maxInFlight":       t.maxIn,
		"sendsPer100msMax":  most,
		"sendsPer100msMean": mean,
	}
	t.update, t.get, t.headers, t.body = histogram{}, histogram{}, histogram{}, histogram{}
	t.failed, t.maxIn, t.since, t.bins = 0, t.inFlight, time.Now(), map[int64]uint32{}
	return out
}

// timedLock times the lock's Get and Update (client-go's renewal is one Update on the leader's fast path).
type timedLock struct{ resourcelock.Interface }

func (l timedLock) Update(ctx context.Context, ler resourcelock.LeaderElectionRecord) error {
	start := time.Now()
	err := l.Interface.Update(ctx, ler)
	d := time.Since(start)
	measured.mu.Lock()
	if err == nil {
		measured.update.record(d)
	} else {
		measured.failed++
	}
	measured.mu.Unlock()
	return err
}

func (l timedLock) Get(ctx context.Context) (*resourcelock.LeaderElectionRecord, []byte, error) {
	start := time.Now()
	r, raw, err := l.Interface.Get(ctx)
	d := time.Since(start)
	measured.mu.Lock()
	measured.get.record(d)
	measured.mu.Unlock()
	return r, raw, err
}

// timedTransport times the Lease requests (not the watch: client-go's elector has none) at the transport.
type timedTransport struct{ next http.RoundTripper }

func (t timedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.Contains(req.URL.Path, "/leases/") {
		return t.next.RoundTrip(req)
	}
	measured.started()
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	headersAt := time.Now()
	measured.mu.Lock()
	measured.headers.record(headersAt.Sub(start))
	if err != nil || resp.Body == nil {
		measured.inFlight--
		measured.mu.Unlock()
		return resp, err
	}
	measured.mu.Unlock()
	resp.Body = &timedBody{ReadCloser: resp.Body, headersAt: headersAt}
	return resp, err
}

type timedBody struct {
	io.ReadCloser
	headersAt time.Time
	closed    bool
}

func (b *timedBody) Close() error {
	err := b.ReadCloser.Close()
	if !b.closed {
		b.closed = true
		d := time.Since(b.headersAt)
		measured.mu.Lock()
		measured.body.record(d)
		measured.inFlight--
		measured.mu.Unlock()
	}
	return err
}

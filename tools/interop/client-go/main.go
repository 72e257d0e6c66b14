// A client-go leader-election candidate, the Go peer of the interop tests. It speaks the same line protocol
// as tools/candidate/candidate.ts: one JSON object per event on stdout, {"t": epoch ms, "id", "event"}, with
// event one of ready, started, stopped, leader, exit. "stopped" is printed when the leader's work context
// ends, which in client-go comes before the release is written.
//
// Environment: KUBECONFIG, LOCK_NAME, IDENTITY, NAMESPACE (default "default"), LEASE_DURATION,
// RENEW_DEADLINE, RETRY_PERIOD in seconds. Only the Lease lock: client-go no longer has a ConfigMap lock.
// SIGTERM or SIGINT cancels the election; client-go releases the lease (ReleaseOnCancel) and the program
// exits 0.
//
// QPS raises client-go's client-side rate limit (default 5 requests/s). ELECTORS=N (default 1) runs N electors in this one process, each on its own Lease LOCK_NAME-<i>, sharing
// one client (the scale benchmark's shape: many elections in one process); each prints "started" with its
// "lock" and nothing else; STAGGER=1 starts elector i at i/N of a retry period instead of all at once; SIGUSR1 prints the renewal latency measured since the last SIGUSR1 (timing.go).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

var (
	id  = mustEnv("IDENTITY", "")
	out sync.Mutex
)

func emit(event string, extra map[string]any) {
	line := map[string]any{"t": time.Now().UnixMilli(), "id": id, "event": event}
	for k, v := range extra {
		line[k] = v
	}
	b, _ := json.Marshal(line)
	out.Lock()
	defer out.Unlock()
	fmt.Println(string(b))
}

func mustEnv(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	if fallback == "" {
		fmt.Fprintf(os.Stderr, "client-go candidate: %s is not set\n", name)
		os.Exit(2)
	}
	return fallback
}

func seconds(name, fallback string) time.Duration {
	f, err := strconv.ParseFloat(mustEnv(name, fallback), 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "client-go candidate: %s: %v\n", name, err)
		os.Exit(2)
	}
	return time.Duration(f * float64(time.Second))
}

func main() {
	klog.SetOutput(os.Stderr)
	cfg, err := clientcmd.BuildConfigFromFlags("", mustEnv("KUBECONFIG", ""))
	if err != nil {
		fmt.Fprintf(os.Stderr, "client-go candidate: kubeconfig: %v\n", err)
		os.Exit(2)
	}
	// client-go's default client-side limit (5 requests/s, bursts of 10) would throttle many electors; QPS
	// raises it (the burst is twice that).
	if qps, err := strconv.ParseFloat(mustEnv("QPS", "0"), 64); err == nil && qps > 0 {
		cfg.QPS = float32(qps)
		cfg.Burst = int(2 * qps)
	}
	if n, _ := strconv.Atoi(mustEnv("ELECTORS", "1")); n > 1 {
		// The benchmark's mode: the Lease requests timed at the transport too (timing.go).
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return timedTransport{next: rt} })
		runMany(kubernetes.NewForConfigOrDie(cfg), n)
		return
	}
	client := kubernetes.NewForConfigOrDie(cfg)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: mustEnv("LOCK_NAME", ""), Namespace: mustEnv("NAMESPACE", "default")},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: id},
	}

	ctx, cancel := context.WithCancel(context.Background())
	// COORDINATED=1: coordinated leader election; the LeaseCandidate (named IDENTITY) declares
	// BINARY_VERSION as both binary and emulation version, and the API server picks the holder.
	coordinated := mustEnv("COORDINATED", "0") == "1"
	if coordinated {
		version := mustEnv("BINARY_VERSION", "")
		candidate, _, err := leaderelection.NewCandidate(client, mustEnv("NAMESPACE", "default"), id,
			mustEnv("LOCK_NAME", ""), version, version, coordinationv1.OldestEmulationVersion)
		if err != nil {
			fmt.Fprintf(os.Stderr, "client-go candidate: lease candidate: %v\n", err)
			os.Exit(2)
		}
		go candidate.Run(ctx)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		cancel()
	}()

	emit("ready", nil)
	// client-go's Run returns when leadership is lost; stay a candidate until cancelled.
	for ctx.Err() == nil {
		leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
			Lock:            lock,
			ReleaseOnCancel: true,
			LeaseDuration:   seconds("LEASE_DURATION", "4"),
			RenewDeadline:   seconds("RENEW_DEADLINE", "2.5"),
			RetryPeriod:     seconds("RETRY_PERIOD", "1"),
			Coordinated:     coordinated,
			Name:            "interop",
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: func(work context.Context) {
					emit("started", nil)
					<-work.Done()
					emit("stopped", nil)
				},
				OnStoppedLeading: func() {},
				OnNewLeader:      func(leader string) { emit("leader", map[string]any{"leader": leader}) },
			},
		})
	}
	emit("exit", nil)
}

// runMany runs n electors on Leases LOCK_NAME-0 .. LOCK_NAME-(n-1) with one shared client until SIGTERM.
func runMany(client kubernetes.Interface, n int) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		cancel()
	}()
	// SIGUSR1: print the renewal latency measured since the last one (timing.go), and start afresh.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		for range usr1 {
			b, _ := json.Marshal(measured.report())
			out.Lock()
			fmt.Println(string(b))
			out.Unlock()
		}
	}()
	emit("ready", map[string]any{"electors": n})
	stagger := mustEnv("STAGGER", "0") == "1"
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%d", mustEnv("LOCK_NAME", ""), i)
		lock := timedLock{&resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Name: name, Namespace: mustEnv("NAMESPACE", "default")},
			Client:     client.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: id},
		}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if stagger {
				// The elector's start spread over one retry period, the same as bench/scale.ts --stagger.
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(i) * seconds("RETRY_PERIOD", "1") / time.Duration(n)):
				}
			}
			for ctx.Err() == nil {
				leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
					Lock:            lock,
					ReleaseOnCancel: true,
					LeaseDuration:   seconds("LEASE_DURATION", "4"),
					RenewDeadline:   seconds("RENEW_DEADLINE", "2.5"),
					RetryPeriod:     seconds("RETRY_PERIOD", "1"),
					Name:            name,
					Callbacks: leaderelection.LeaderCallbacks{
						OnStartedLeading: func(work context.Context) {
							emit("started", map[string]any{"lock": name})
							<-work.Done()
						},
						OnStoppedLeading: func() {},
					},
				})
			}
		}()
	}
	wg.Wait()
	emit("exit", nil)
}

package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/miekg/dns"

	orcadns "orca/internal/dns"
)

// DNSOptions size the cluster DNS benchmark.
type DNSOptions struct {
	Services     int // synthetic Services (every tenth headless)
	EndpointsPer int // endpoints per Service
	Clients      int // concurrent load generators, one UDP socket each
	Duration     time.Duration
}

// DNSReport holds the results.
type DNSReport struct {
	Options  DNSOptions
	Queries  int
	Failures int // timeouts, wrong IDs, unexpected rcodes
	QPS      float64
	P50, P99 time.Duration
	Max      time.Duration
}

func (r DNSReport) Print(w io.Writer) {
	o := r.Options
	fmt.Fprintf(w, "services %d (every 10th headless), %d endpoints each; %d clients for %v over loopback UDP\n",
		o.Services, o.EndpointsPer, o.Clients, o.Duration)
	fmt.Fprintf(w, "  queries answered:   %d (%d failed)\n", r.Queries, r.Failures)
	fmt.Fprintf(w, "  throughput:         %.0f queries/s\n", r.QPS)
	fmt.Fprintf(w, "  latency p50 / p99:  %v / %v (max %v)\n", r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// DNS serves a synthetic cluster of Services from the cluster DNS on
// 127.0.0.1 and drives it with closed-loop UDP clients asking cluster
// names: A for each Service, SRV for its named port, and a unknown name
// (NXDOMAIN), in the proportions 2:1:1.
func DNS(ctx context.Context, o DNSOptions) (*DNSReport, error) {
	ix, names := orcadns.SyntheticIndex("cluster.local", o.Services, o.EndpointsPer)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	addr, _, err := orcadns.Serve(ctx, "127.0.0.1:0", &orcadns.Handler{Index: ix})
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(o.Duration)
	var mu sync.Mutex
	var all []time.Duration
	failures := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range o.Clients {
		wg.Go(func() {
			lat, failed := dnsClient(addr.String(), names, deadline)
			mu.Lock()
			all = append(all, lat...)
			failures += failed
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(all) == 0 {
		return nil, fmt.Errorf("no query answered (%d failed)", failures)
	}
	slices.Sort(all)
	return &DNSReport{
		Options: o, Queries: len(all), Failures: failures,
		QPS: float64(len(all)) / elapsed.Seconds(),
		P50: all[len(all)/2], P99: all[len(all)*99/100], Max: all[len(all)-1],
	}, nil
}

// dnsClient asks one question at a time until deadline, returning each
// answered query's latency.
func dnsClient(server string, names []string, deadline time.Time) (lat []time.Duration, failed int) {
	c := &dns.Client{Net: "udp", Timeout: time.Second}
	conn, err := c.Dial(server)
	if err != nil {
		return nil, 1
	}
	defer conn.Close()
	for time.Now().Before(deadline) {
		name := names[rand.IntN(len(names))]
		m := new(dns.Msg)
		want := dns.RcodeSuccess
		switch rand.IntN(4) {
		case 0, 1:
			m.SetQuestion(name, dns.TypeA)
		case 2:
			m.SetQuestion("_http._tcp."+name, dns.TypeSRV)
		case 3:
			m.SetQuestion("unknown-"+name, dns.TypeA)
			want = dns.RcodeNameError
		}
		t0 := time.Now()
		resp, _, err := c.ExchangeWithConn(m, conn)
		d := time.Since(t0)
		if err != nil || resp.Rcode != want {
			failed++
			if err != nil {
				// A lost datagram leaves the socket in an unknown state:
				// start over on a fresh one.
				conn.Close()
				if conn, err = c.Dial(server); err != nil {
					return lat, failed + 1
				}
			}
			continue
		}
		lat = append(lat, d)
	}
	return lat, failed
}

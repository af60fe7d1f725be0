package proxy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
	discovery "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// BenchReport is the result of Bench.
type BenchReport struct {
	Mode                Mode
	Services, Endpoints int
	Chains              int           // chains in the table after the full sync
	FullSync            time.Duration // first sync of everything into an empty table
	FullCPU             time.Duration // CPU of the agent and nft during it
	Change, ChangeCPU   []time.Duration
}

// Bench measures the proxy against the real kernel in a throwaway network
// namespace: a full sync of services × endpoints, then changes of one
// endpoint of one Service (partial syncs: in nftables mode a transaction
// of the changes, in iptables mode a restore of the changed chains).
func Bench(ctx context.Context, mode Mode, services, endpoints, changes int) (*BenchReport, error) {
	if mode == "" {
		mode = ModeNFTables
	}
	rep := &BenchReport{Mode: mode, Services: services, Endpoints: endpoints}
	src := newStaticSource()
	for i := 0; i < services; i++ {
		s, sl := benchService(i, endpoints, 0)
		src.set(s, sl)
	}
	ns := fmt.Sprintf("orca-proxy-bench-%d", os.Getpid())
	err := inNetns(ns, [][]string{{"link", "set", "lo", "up"}}, func() error {
		switch mode {
		case ModeNFTables:
			return benchNFT(ctx, rep, src, changes)
		case ModeIPTables:
			return benchIPT(ctx, rep, src, changes)
		}
		return fmt.Errorf("unknown mode %q: want nftables or iptables", mode)
	})
	return rep, err
}

var benchParams = Params{NodeName: "node-0", ServiceCIDR: "10.96.0.0/12", ClusterCIDR: "10.244.0.0/16"}

// benchNFT is Bench in nftables mode: changes are partial syncs.
func benchNFT(ctx context.Context, rep *BenchReport, src *staticSource, changes int) error {
	nft, err := newTable()
	if err != nil {
		return err
	}
	px := newProxier(benchParams, nft, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	px.flushUDP = func([]flowFilter) (uint, error) { return 0, nil }
	err = timeSyncs(ctx, rep, src, changes, &px.syncer, px.sync, func() {
		// The sync loop deletes emptied chains later, on its own.
		px.deleteStaleChains(ctx, time.Now().Add(staleChainGrace))
	})
	for _, r := range px.applied {
		rep.Chains += len(r.chains)
	}
	if err != nil {
		return err
	}
	return cleanup(ctx, nft)
}

// benchIPT is Bench in iptables mode: changes restore the changed chains.
func benchIPT(ctx context.Context, rep *BenchReport, src *staticSource, changes int) error {
	ipt, err := newIPTables()
	if err != nil {
		return err
	}
	px := newIPTablesProxier(benchParams, ipt, src, slog.New(slog.NewTextHandler(io.Discard, nil)))
	px.flushUDP = func([]flowFilter) (uint, error) { return 0, nil }
	if err := timeSyncs(ctx, rep, src, changes, &px.syncer, px.sync, func() {}); err != nil {
		return err
	}
	rep.Chains = len(px.present)
	return px.teardown(ctx)
}

// timeSyncs times a full sync, then changes partial syncs of one changed
// Service each (after runs after each, untimed).
func timeSyncs(ctx context.Context, rep *BenchReport, src *staticSource, changes int, l *syncer, sync func(context.Context, bool) error, after func()) error {
	start, cpu := time.Now(), cpuTime()
	if err := sync(ctx, true); err != nil {
		return err
	}
	rep.FullSync, rep.FullCPU = time.Since(start), cpuTime()-cpu
	for c := 1; c <= changes; c++ {
		s, sl := benchService((c*7919)%rep.Services, rep.Endpoints, c)
		l.changed(src.set(s, sl))
		start, cpu := time.Now(), cpuTime()
		if err := sync(ctx, false); err != nil {
			return err
		}
		rep.Change = append(rep.Change, time.Since(start))
		rep.ChangeCPU = append(rep.ChangeCPU, cpuTime()-cpu)
		after()
	}
	return nil
}

// benchService is Service i with n endpoints; generation g replaces the
// last endpoint by a new address, like a pod replaced by its Deployment.
func benchService(i, n, g int) (*v1.Service, *discovery.EndpointSlice) {
	name := fmt.Sprintf("svc-%d", i)
	s := &v1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: name},
		Spec: v1.ServiceSpec{
			Type: v1.ServiceTypeClusterIP, ClusterIP: fmt.Sprintf("10.96.%d.%d", 1+i/250, 1+i%250),
			Ports: []v1.ServicePort{{Name: "http", Protocol: v1.ProtocolTCP, Port: 80}},
		},
	}
	sl := &discovery.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "bench", Name: name + "-1", Labels: map[string]string{discovery.LabelServiceName: name}},
		AddressType: discovery.AddressTypeIPv4,
		Ports:       []discovery.EndpointPort{{Name: ptr.To("http"), Protocol: ptr.To(v1.ProtocolTCP), Port: ptr.To(int32(8080))}},
	}
	for e := 0; e < n; e++ {
		k := i*n + e
		if e == n-1 {
			k += g * 100003
		}
		sl.Endpoints = append(sl.Endpoints, discovery.Endpoint{
			Addresses: []string{fmt.Sprintf("10.%d.%d.%d", 128+(k>>16)%64, (k>>8)&255, k&255)},
			NodeName:  ptr.To(fmt.Sprintf("node-%d", k%10)),
		})
	}
	return s, sl
}

// cpuTime is the CPU used so far by this process and its finished
// children (the nft commands): on a loaded machine wall time mostly
// measures waiting for a CPU.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	total := time.Duration(0)
	for _, tv := range []syscall.Timeval{self.Utime, self.Stime, children.Utime, children.Stime} {
		total += time.Duration(tv.Nano())
	}
	return total
}

// Print writes the report.
func (r *BenchReport) Print(w io.Writer) {
	fmt.Fprintf(w, "%s mode: services %d × endpoints %d (%d chains)\n", r.Mode, r.Services, r.Endpoints, r.Chains)
	fmt.Fprintf(w, "full sync:           wall %v, CPU %v\n", r.FullSync.Round(time.Millisecond), r.FullCPU.Round(time.Millisecond))
	if len(r.Change) == 0 {
		return
	}
	wall, cpu := sorted(r.Change), sorted(r.ChangeCPU)
	kind := "partial syncs"
	if r.Mode == ModeIPTables {
		kind = "syncs: changed Services regenerated, changed chains restored"
	}
	fmt.Fprintf(w, "one endpoint change: wall p50 %v max %v, CPU p50 %v max %v (%d %s; target <= 100ms)\n",
		wall[len(wall)/2].Round(100*time.Microsecond), wall[len(wall)-1].Round(100*time.Microsecond),
		cpu[len(cpu)/2].Round(100*time.Microsecond), cpu[len(cpu)-1].Round(100*time.Microsecond), len(wall), kind)
}

func sorted(d []time.Duration) []time.Duration {
	d = append([]time.Duration{}, d...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}

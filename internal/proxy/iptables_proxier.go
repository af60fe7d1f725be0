package proxy

import (
	"context"
	"log/slog"
	"maps"
	"sort"
	"time"
)

// ipTablesProxier keeps the ORCA- iptables chains in line with the Services
// and EndpointSlices. A sync regenerates the changed Services' rules and,
// like kube-proxy's minimal restores, restores only the chains that
// changed; a full sync (at start, after a failure, every
// DefaultFullSyncPeriod) regenerates and rewrites them all and first reads
// which chains the kernel has.
type ipTablesProxier struct {
	params   Params
	ipt      *iptables
	src      source
	log      *slog.Logger
	flushUDP func([]flowFilter) (uint, error)
	syncer

	// Owned by the sync loop: each Service's rules and UDP ports (for
	// conntrack flushing), the chains' content last restored (nil:
	// unknown), the per-Service nat chains in the kernel, and when the
	// jumps were last checked.
	services map[string]*iptService
	udp      map[string][]udpPort
	written  map[string][]string
	present  []string
	jumpsAt  time.Time
}

// jumpCheckPeriod: the jumps from the built-in chains are checked this
// often (kube-proxy's iptables sync period), and at every full sync, so a
// flushed built-in chain is repaired. Each check runs iptables once per
// jump, too slow for every partial sync.
const jumpCheckPeriod = 30 * time.Second

func newIPTablesProxier(p Params, ipt *iptables, src source, log *slog.Logger) *ipTablesProxier {
	return &ipTablesProxier{
		params: p, ipt: ipt, src: src, log: log,
		flushUDP: deleteFlows,
		syncer:   newSyncer(),
		services: map[string]*iptService{},
		udp:      map[string][]udpPort{},
	}
}

// run syncs until ctx ends, on the same schedule as the nftables mode,
// checking the jumps from the built-in chains in between.
func (px *ipTablesProxier) run(ctx context.Context) {
	px.loop(ctx, px.log, "iptables", px.sync, chore{
		due: func() (time.Time, bool) { return px.jumpsAt.Add(jumpCheckPeriod), true },
		do:  func(ctx context.Context, _ time.Time) { px.checkJumps(ctx) },
	})
}

// sync writes the rules (every chain when full, else the changed ones);
// a failure makes the next sync full.
func (px *ipTablesProxier) sync(ctx context.Context, full bool) error {
	dirty, start := px.begin(full)
	px.params.Zone = px.src.nodeZone()
	if full {
		px.written = nil
	}
	lines, err := px.write(ctx, full, dirty)
	if err != nil {
		px.written = nil
		px.failed(dirty)
		return err
	}
	level := slog.LevelDebug
	if full {
		level = slog.LevelInfo
	}
	px.log.Log(ctx, level, "service proxy synced (iptables)", "full", full, "chains", len(px.present), "restored", lines, "took", time.Since(start))
	return nil
}

// write regenerates the Services (all when full, else the dirty ones) and
// restores the difference; a full sync then makes sure the built-in chains
// jump to orca's. It returns the lines restored.
func (px *ipTablesProxier) write(ctx context.Context, full bool, dirty map[string]bool) (int, error) {
	if px.written == nil {
		chains, err := px.ipt.chains(ctx, "nat")
		if err != nil {
			return 0, err
		}
		px.present = chains
	}
	udp := px.regenerate(full, dirty)
	rs := iptablesRules(px.params, px.ordered())
	text, written := rs.restoreInput(px.written, px.present)
	if len(text) > 0 {
		if err := px.ipt.restore(ctx, text); err != nil {
			return 0, err
		}
	}
	px.written, px.present = written, rs.serviceChains()
	if full {
		if _, err := px.ipt.ensureJumps(ctx, iptablesJumps()); err != nil {
			return 0, err
		}
		px.jumpsAt = time.Now()
	}
	px.flushConntrack(udp)
	return countLines(text), nil
}

// checkJumps puts back jumps someone removed (a firewall reload flushing
// the built-in chains). A failure is retried at the next check.
func (px *ipTablesProxier) checkJumps(ctx context.Context) {
	px.jumpsAt = time.Now()
	n, err := px.ipt.ensureJumps(ctx, iptablesJumps())
	switch {
	case err != nil && ctx.Err() == nil:
		px.log.Error("service proxy: check the jumps to orca's iptables chains", "err", err)
	case n > 0:
		px.log.Warn("service proxy: put back jumps to orca's iptables chains that were removed", "jumps", n)
	}
}

// regenerate rebuilds the rules of every Service (full) or of the dirty
// ones, and returns the UDP ports by Service as they are now.
func (px *ipTablesProxier) regenerate(full bool, dirty map[string]bool) map[string][]udpPort {
	keys := make([]string, 0, len(dirty))
	for k := range dirty {
		keys = append(keys, k)
	}
	udp := maps.Clone(px.udp)
	if full {
		px.services, udp = map[string]*iptService{}, map[string][]udpPort{}
		keys = px.src.serviceKeys()
	}
	for _, k := range keys {
		delete(px.services, k)
		delete(udp, k)
		svc, slices := px.src.service(k)
		if svc == nil {
			continue
		}
		ports := proxiedPorts(px.params, svc, slices)
		if s := iptablesServiceRules(px.params, ports); s != nil {
			px.services[k] = s
		}
		for _, pp := range ports {
			if u, ok := udpPortOf(pp); ok {
				udp[k] = append(udp[k], u)
			}
		}
	}
	return udp
}

// ordered lists the Services' rules by Service key.
func (px *ipTablesProxier) ordered() []*iptService {
	keys := make([]string, 0, len(px.services))
	for k := range px.services {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*iptService, len(keys))
	for i, k := range keys {
		out[i] = px.services[k]
	}
	return out
}

// flushConntrack deletes the UDP flows the rules just written made stale.
func (px *ipTablesProxier) flushConntrack(next map[string][]udpPort) {
	var filters []flowFilter
	for k, old := range px.udp {
		filters = append(filters, staleUDP(old, next[k])...)
	}
	for k, n := range next {
		if _, ok := px.udp[k]; !ok {
			filters = append(filters, staleUDP(nil, n)...)
		}
	}
	px.udp = next
	if len(filters) == 0 {
		return
	}
	n, err := px.flushUDP(filters)
	if err != nil {
		px.log.Warn("service proxy: flush UDP conntrack entries", "err", err)
		return
	}
	px.log.Debug("service proxy: flushed UDP conntrack entries", "entries", n)
}

func (px *ipTablesProxier) teardown(ctx context.Context) error { return px.ipt.cleanup(ctx) }

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

package proxy

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
)

// The iptables mode's chains, laid out like kube-proxy's iptables mode. All
// are orca's own (prefix ORCA-); the built-in chains only get jumps to them
// (iptablesJumps).
const (
	iptChainPrefix = "ORCA-"
	// nat: Service addresses to their chains; filter: rejects and drops of
	// ClusterIPs without endpoints or not DNATed.
	iptServices = "ORCA-SERVICES"
	// filter: rejects and drops of external, load balancer IPs and
	// NodePorts without (local) endpoints.
	iptExternalServices = "ORCA-EXTERNAL-SERVICES"
	iptNodePorts        = "ORCA-NODEPORTS"
	iptMarkMasq         = "ORCA-MARK-MASQ"
	iptPostrouting      = "ORCA-POSTROUTING"

	// Per-Service chains: Cluster policy, Local policy, external traffic
	// and one per endpoint.
	iptClusterPrefix  = "ORCA-SVC-"
	iptLocalPrefix    = "ORCA-SVL-"
	iptExternalPrefix = "ORCA-EXT-"
	iptEndpointPrefix = "ORCA-SEP-"
	// iptFirewallPrefix: load balancer traffic from loadBalancerSourceRanges
	// goes on to the external chain; the rest is not DNATed, and dropped
	// in the filter table (ORCA-EXTERNAL-SERVICES) by its address.
	iptFirewallPrefix = "ORCA-FW-"

	// iptNodeLocal: NodePorts answer on every node address but loopback
	// (127.0.0.1 would need route_localnet, which orca does not set).
	iptNodeLocal = "-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8"
)

// iptablesRuleset is the content of orca's chains in the nat and filter
// tables.
type iptablesRuleset struct {
	nat, filter *iptTable
}

// iptService is what one Service adds: rules in the shared chains and its
// own chains, in both tables. The proxier keeps it until the Service
// changes.
type iptService struct {
	nat, filter *iptTable
	clusterIP   string
}

// iptablesServiceRules generates one Service's rules from its ports.
func iptablesServiceRules(p Params, ports []proxiedPort) *iptService {
	if len(ports) == 0 {
		return nil
	}
	s := &iptService{nat: newIPTTable(), filter: newIPTTable(), clusterIP: ports[0].clusterIP}
	g := &iptGen{p: p, nat: s.nat, filter: s.filter}
	for _, pp := range ports {
		g.addPort(pp)
	}
	return s
}

// iptablesRules assembles the tables from the Services' rules (in Service
// order: with two Services claiming the same address and port, the first
// wins, as in the nftables mode) and the fixed rules.
func iptablesRules(p Params, svcs []*iptService) iptablesRuleset {
	nat, filter := newIPTTable(), newIPTTable()
	for _, c := range []string{iptServices, iptNodePorts, iptMarkMasq, iptPostrouting} {
		nat.declare(c)
	}
	filter.declare(iptServices)
	filter.declare(iptExternalServices)
	var clusterIPs []string
	for _, s := range svcs {
		nat.merge(s.nat)
		filter.merge(s.filter)
		clusterIPs = append(clusterIPs, s.clusterIP)
	}
	g := &iptGen{p: p, nat: nat, filter: filter}
	g.addFixed(clusterIPs)
	return iptablesRuleset{nat: nat, filter: filter}
}

// serviceChains are the per-Service nat chains of the ruleset.
func (rs iptablesRuleset) serviceChains() []string {
	var out []string
	for _, c := range rs.nat.order {
		if isIPTServiceChain(c) {
			out = append(out, c)
		}
	}
	return out
}

// restoreInput is the iptables-restore --noflush input reaching the
// ruleset from prev, the chains' rules last written (by "table chain";
// nil: unknown, write every chain). As kube-proxy's minimal
// restores, only chains whose rules differ are declared (which empties
// them) and filled: restoring thousands of unchanged chains costs seconds
// with iptables-nft. stale are per-Service nat chains the kernel has that
// are no longer wanted: they are emptied and deleted in the same commit.
// It returns the content now written, for the next call; empty text means
// nothing to do.
func (rs iptablesRuleset) restoreInput(prev map[string][]string, stale []string) (text []byte, written map[string][]string) {
	written = make(map[string][]string, len(rs.nat.order)+len(rs.filter.order))
	var deleted []string
	for _, c := range stale {
		if _, wanted := rs.nat.rules[c]; !wanted && isIPTServiceChain(c) {
			deleted = append(deleted, c)
		}
	}
	var b bytes.Buffer
	rs.nat.write(&b, "nat", prev, written, deleted)
	rs.filter.write(&b, "filter", prev, written, nil)
	return b.Bytes(), written
}

// iptGen writes the model's rules into the two tables.
type iptGen struct {
	p           Params
	nat, filter *iptTable
}

// addPort writes one Service port, with the same decisions as the nftables
// rules (rules.go addPort): addresses jump to a policy chain (Cluster: all
// endpoints, Local: this node's), external addresses go through an
// external chain first, and addresses without usable endpoints are
// rejected in the filter table (none anywhere) or dropped (none on this
// node under a Local policy). The filter table sees packets after DNAT, so
// only traffic that was not DNATed still has the Service's address there.
func (g *iptGen) addPort(pp proxiedPort) {
	sp, c := pp.servicePort, pp.eps
	names := iptChainsOf(sp)
	internalChain, hasInternal := names.cluster, c.any
	if sp.internalLocal {
		internalChain, hasInternal = names.local, len(c.local) > 0
	}
	externalPolicy, hasExternal := names.cluster, c.any
	if sp.externalLocal {
		externalPolicy, hasExternal = names.local, len(c.local) > 0
	}
	verdict := "-j DROP"
	if !c.any {
		verdict = iptReject(sp.protocol)
	}
	match := iptPortMatch(sp.protocol, sp.port)
	name := sp.name()

	if hasInternal {
		g.nat.add(iptServices, iptComment(name+" cluster IP"), "-d", sp.clusterIP, match, "-j", internalChain)
	} else {
		g.filter.add(iptServices, iptComment(name+noEndpointsNote(c)), "-d", sp.clusterIP, match, verdict)
	}
	for i, ip := range append(append([]string{}, sp.externalIPs...), sp.loadBalancerIPs...) {
		kind := " external IP"
		if i >= len(sp.externalIPs) {
			kind = " load balancer IP"
		}
		if c.any {
			to := names.external
			if lb := i >= len(sp.externalIPs); lb && sp.firewalled() {
				to = names.firewall
				g.filter.add(iptExternalServices, iptComment(name+" traffic not accepted by "+to), "-d", ip, match, "-j DROP")
			}
			g.nat.add(iptServices, iptComment(name+kind), "-d", ip, match, "-j", to)
		}
		if !hasExternal {
			g.filter.add(iptExternalServices, iptComment(name+noEndpointsNote(c)), "-d", ip, match, verdict)
		}
	}
	if sp.nodePort != 0 {
		npMatch := iptPortMatch(sp.protocol, sp.nodePort)
		if c.any {
			g.nat.add(iptNodePorts, iptComment(name), npMatch, "-j", names.external)
		}
		if !hasExternal {
			g.filter.add(iptExternalServices, iptComment(name+noEndpointsNote(c)), iptNodeLocal, npMatch, verdict)
		}
	}

	if len(c.cluster) > 0 && sp.usesClusterEndpoints() {
		g.addPolicyChain(sp, names.cluster, c.cluster, hasInternal && internalChain == names.cluster)
	}
	if len(c.local) > 0 && sp.usesLocalEndpoints() {
		g.addPolicyChain(sp, names.local, c.local, hasInternal && internalChain == names.local)
	}
	if c.any && sp.externallyReachable() {
		g.addExternalChain(sp, names, externalPolicy, hasExternal)
	}
	if c.any && sp.firewalled() {
		g.nat.declare(names.firewall)
		for _, r := range sp.sourceRanges {
			g.nat.add(names.firewall, iptComment(name+" loadBalancerSourceRanges"), "-s", r, "-j", names.external)
		}
	}
	for _, ep := range c.reachable() {
		g.addEndpoint(sp, ep)
	}
}

func noEndpointsNote(c categorized) string {
	if c.any {
		return " has no local endpoints"
	}
	return " has no endpoints"
}

// addPolicyChain balances over eps at random, as kube-proxy does: rule i
// of n is taken with probability 1/(n-i), so each endpoint gets 1/n. With
// ClientIP affinity a client seen recently goes back to its endpoint
// first. ClusterIP traffic from outside the pod network is masqueraded.
func (g *iptGen) addPolicyChain(sp *servicePort, chain string, eps []endpoint, internal bool) {
	g.nat.declare(chain)
	if internal && g.p.ClusterCIDR != "" {
		g.nat.add(chain, iptComment(sp.name()+" cluster IP"), "-d", sp.clusterIP, iptPortMatch(sp.protocol, sp.port),
			"!", "-s", g.p.ClusterCIDR, "-j", iptMarkMasq)
	}
	if sp.affinitySeconds > 0 {
		for _, ep := range eps {
			sep := iptEndpointChain(sp, ep)
			g.nat.add(chain, "-m recent --name", sep, "--rcheck --seconds", itoa(sp.affinitySeconds), "--reap -j", sep)
		}
	}
	for i, ep := range eps {
		if left := len(eps) - i; left > 1 {
			g.nat.add(chain, fmt.Sprintf("-m statistic --mode random --probability %.10f", 1/float64(left)), "-j", iptEndpointChain(sp, ep))
		} else {
			g.nat.add(chain, "-j", iptEndpointChain(sp, ep))
		}
	}
}

// addExternalChain handles NodePort, external and load balancer traffic.
// Cluster policy masquerades it all (the endpoint may be on another node).
// Local policy keeps the client's address and uses only this node's
// endpoints, except for traffic from this node's pods or the node itself,
// which goes to any endpoint as if it had gone out and come back in.
func (g *iptGen) addExternalChain(sp *servicePort, names iptPortChains, policy string, hasEndpoints bool) {
	ext := names.external
	g.nat.declare(ext)
	if !sp.externalLocal {
		g.nat.add(ext, "-j", iptMarkMasq)
	} else {
		if g.p.ClusterCIDR != "" {
			g.nat.add(ext, "-s", g.p.ClusterCIDR, "-j", names.cluster)
		}
		g.nat.add(ext, "-m addrtype --src-type LOCAL -j", iptMarkMasq)
		g.nat.add(ext, "-m addrtype --src-type LOCAL -j", names.cluster)
	}
	if hasEndpoints {
		g.nat.add(ext, "-j", policy)
	}
}

// addEndpoint writes the endpoint's chain: a pod reaching itself through
// its Service (hairpin) is masqueraded, or it would answer itself
// directly; affinity records the client; then DNAT.
func (g *iptGen) addEndpoint(sp *servicePort, ep endpoint) {
	sep := iptEndpointChain(sp, ep)
	g.nat.declare(sep)
	g.nat.add(sep, "-s", ep.ip, "-j", iptMarkMasq)
	recent := ""
	if sp.affinitySeconds > 0 {
		recent = "-m recent --name " + sep + " --set "
	}
	g.nat.add(sep, "-p", sp.protocol, recent+"-j DNAT --to-destination", ep.String())
}

// addFixed writes the rules that do not depend on one Service; the
// NodePort jump must be the last rule of ORCA-SERVICES.
func (g *iptGen) addFixed(clusterIPs []string) {
	g.nat.add(iptServices, iptComment("NodePorts: every node address but 127.0.0.0/8"), iptNodeLocal, "-j", iptNodePorts)
	g.nat.add(iptMarkMasq, "-j MARK --or-mark", masqueradeMark)
	g.nat.add(iptPostrouting, "-m mark ! --mark", masqueradeMark+"/"+masqueradeMark, "-j RETURN")
	g.nat.add(iptPostrouting, "-j MARK --xor-mark", masqueradeMark)
	g.nat.add(iptPostrouting, iptComment("Service traffic requiring SNAT"), "-j MASQUERADE --random-fully")
	// Traffic still addressed to a ClusterIP here was not DNATed: a port
	// the Service lacks is refused, an address no Service has is dropped,
	// so neither leaves by the default route.
	for _, ip := range clusterIPs {
		g.filter.add(iptServices, iptComment("ClusterIP without such a port"), "-d", ip, "-j REJECT --reject-with icmp-port-unreachable")
	}
	if g.p.ServiceCIDR != "" {
		g.filter.add(iptServices, iptComment("Service CIDR address without a Service"), "-d", g.p.ServiceCIDR, "-j DROP")
	}
}

// iptReject refuses at once: a TCP reset, or ICMP port unreachable.
func iptReject(protocol string) string {
	if protocol == "tcp" {
		return "-j REJECT --reject-with tcp-reset"
	}
	return "-j REJECT --reject-with icmp-port-unreachable"
}

func iptPortMatch(protocol string, port int32) string {
	return "-p " + protocol + " -m " + protocol + " --dport " + itoa(port)
}

func iptComment(s string) string { return `-m comment --comment "` + s + `"` }

// iptPortChains are the names of a port's policy chains.
type iptPortChains struct {
	cluster, local, external, firewall string
}

func iptChainsOf(sp *servicePort) iptPortChains {
	h := iptHash(sp.name())
	return iptPortChains{iptClusterPrefix + h, iptLocalPrefix + h, iptExternalPrefix + h, iptFirewallPrefix + h}
}

func iptEndpointChain(sp *servicePort, ep endpoint) string {
	return iptEndpointPrefix + iptHash(endpointName(sp, ep))
}

// iptHash keeps chain names within iptables' 28 characters, as
// kube-proxy's: 16 base32 characters of a SHA-256.
func iptHash(name string) string {
	sum := sha256.Sum256([]byte(name))
	return base32.StdEncoding.EncodeToString(sum[:])[:16]
}

func isIPTServiceChain(name string) bool {
	for _, p := range []string{iptClusterPrefix, iptLocalPrefix, iptExternalPrefix, iptEndpointPrefix, iptFirewallPrefix} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// iptTable collects one table's chains, in the order first declared, and
// their rules.
type iptTable struct {
	order []string
	rules map[string][]string
}

func newIPTTable() *iptTable { return &iptTable{rules: map[string][]string{}} }

func (t *iptTable) declare(chain string) {
	if _, ok := t.rules[chain]; !ok {
		t.order = append(t.order, chain)
		t.rules[chain] = nil
	}
}

// merge appends a Service's table: rules of the shared chains are copied
// after those already there, the Service's own chains are shared (nothing
// appends to them afterwards).
func (t *iptTable) merge(from *iptTable) {
	for _, c := range from.order {
		if isIPTServiceChain(c) {
			t.order = append(t.order, c)
			t.rules[c] = from.rules[c]
			continue
		}
		t.declare(c)
		t.rules[c] = append(t.rules[c], from.rules[c]...)
	}
}

func (t *iptTable) add(chain string, args ...string) {
	t.declare(chain)
	t.rules[chain] = append(t.rules[chain], "-A "+chain+" "+strings.Join(args, " "))
}

// write emits the table's chains whose rules differ from prev (all when
// prev is nil), declaring and deleting the deleted ones, and records every
// chain's content in written. A table with nothing to write is left out.
func (t *iptTable) write(b *bytes.Buffer, table string, prev, written map[string][]string, deleted []string) {
	var changed []string
	for _, c := range t.order {
		key := table + " " + c
		written[key] = t.rules[c]
		if old, ok := prev[key]; !ok || !slices.Equal(old, t.rules[c]) {
			changed = append(changed, c)
		}
	}
	if len(changed)+len(deleted) == 0 {
		return
	}
	b.WriteString("*" + table + "\n")
	for _, c := range changed {
		b.WriteString(":" + c + " - [0:0]\n")
	}
	for _, c := range deleted {
		b.WriteString(":" + c + " - [0:0]\n")
	}
	for _, c := range changed {
		for _, r := range t.rules[c] {
			b.WriteString(r)
			b.WriteByte('\n')
		}
	}
	for _, c := range deleted {
		b.WriteString("-X " + c + "\n")
	}
	b.WriteString("COMMIT\n")
}

// iptJump is a rule in a built-in chain that jumps to one of orca's.
type iptJump struct {
	table, chain string
	args         []string
}

// iptablesJumps hook orca's chains in, as kube-proxy's: nat PREROUTING and
// OUTPUT dispatch Service traffic, POSTROUTING masquerades it; the filter
// checks see new connections arriving (INPUT), forwarded (FORWARD) and
// from the node (OUTPUT).
func iptablesJumps() []iptJump {
	newConn := []string{"-m", "conntrack", "--ctstate", "NEW"}
	jump := func(table, chain, comment, target string, pre ...string) iptJump {
		args := append(append([]string{}, pre...), "-m", "comment", "--comment", comment, "-j", target)
		return iptJump{table, chain, args}
	}
	return []iptJump{
		jump("nat", "PREROUTING", "orca service portals", iptServices),
		jump("nat", "OUTPUT", "orca service portals", iptServices),
		jump("nat", "POSTROUTING", "orca postrouting rules", iptPostrouting),
		jump("filter", "INPUT", "orca externally-visible service portals", iptExternalServices, newConn...),
		jump("filter", "FORWARD", "orca service portals", iptServices, newConn...),
		jump("filter", "FORWARD", "orca externally-visible service portals", iptExternalServices, newConn...),
		jump("filter", "OUTPUT", "orca service portals", iptServices, newConn...),
		jump("filter", "OUTPUT", "orca externally-visible service portals", iptExternalServices, newConn...),
	}
}

// iptablesCleanup is the restore input that empties and deletes the given
// ORCA- chains of each table (after the jumps to them are gone).
func iptablesCleanup(chains map[string][]string) []byte {
	var b bytes.Buffer
	for _, table := range []string{"nat", "filter"} {
		if len(chains[table]) == 0 {
			continue
		}
		b.WriteString("*" + table + "\n")
		for _, c := range chains[table] {
			b.WriteString(":" + c + " - [0:0]\n")
		}
		for _, c := range chains[table] {
			b.WriteString("-X " + c + "\n")
		}
		b.WriteString("COMMIT\n")
	}
	return b.Bytes()
}

// orcaChains lists the ORCA- chains in iptables-save output of one table.
func orcaChains(save []byte) []string {
	var out []string
	for _, line := range strings.Split(string(save), "\n") {
		if strings.HasPrefix(line, ":"+iptChainPrefix) {
			name, _, _ := strings.Cut(line[1:], " ")
			out = append(out, name)
		}
	}
	return out
}

package nodelifecycle

import (
	v1 "k8s.io/api/core/v1"
)

// Zones, as upstream: nodes are grouped by region and zone label, and how
// many of a zone's nodes are not Ready decides how fast NoExecute taints
// (and so evictions) may come. When every zone is wholly down the
// controller suspects itself or the network, not the nodes, and evicts
// nothing.

// zoneState is a zone's health.
type zoneState int

const (
	stateNormal zoneState = iota
	statePartialDisruption
	stateFullDisruption
)

const (
	// unhealthyZoneThreshold is the share of not-Ready nodes (more than
	// two) that puts a zone in partial disruption
	// (--unhealthy-zone-threshold).
	unhealthyZoneThreshold = 0.55
	// largeClusterSize is the zone size above which a partially disrupted
	// zone still evicts, slowly (--large-cluster-size-threshold).
	largeClusterSize = 50
	// excludeDisruption labels a node left out of zone health.
	excludeDisruption = "node.kubernetes.io/exclude-disruption"
)

// zoneKey is the node's zone: region and zone labels (the current ones,
// else the deprecated beta ones), "" when it has neither.
func zoneKey(n *v1.Node) string {
	region, zone := n.Labels[v1.LabelTopologyRegion], n.Labels[v1.LabelTopologyZone]
	if region == "" {
		region = n.Labels[v1.LabelFailureDomainBetaRegion]
	}
	if zone == "" {
		zone = n.Labels[v1.LabelFailureDomainBetaZone]
	}
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

// zoneHealth is one zone's counts.
type zoneHealth struct{ ready, notReady int }

func (h zoneHealth) state() zoneState {
	switch {
	case h.ready == 0 && h.notReady > 0:
		return stateFullDisruption
	case h.notReady > 2 && float64(h.notReady)/float64(h.notReady+h.ready) >= unhealthyZoneThreshold:
		return statePartialDisruption
	default:
		return stateNormal
	}
}

// zonesOf counts Ready and not-Ready nodes per zone.
func zonesOf(nodes []*v1.Node) map[string]zoneHealth {
	out := map[string]zoneHealth{}
	for _, n := range nodes {
		if _, excluded := n.Labels[excludeDisruption]; excluded {
			continue
		}
		h := out[zoneKey(n)]
		if readyStatus(n) == v1.ConditionTrue {
			h.ready++
		} else {
			h.notReady++
		}
		out[zoneKey(n)] = h
	}
	return out
}

// allDisrupted reports every zone wholly not Ready (upstream's "master
// disruption mode").
func allDisrupted(zones map[string]zoneHealth) bool {
	if len(zones) == 0 {
		return false
	}
	for _, h := range zones {
		if h.state() != stateFullDisruption {
			return false
		}
	}
	return true
}

// zoneRate is how many nodes per second of the zone may be tainted
// NoExecute: the primary rate, the secondary one in a partially disrupted
// large zone, none in a partially disrupted small one.
func zoneRate(h zoneHealth, primary, secondary float32) float32 {
	if h.state() != statePartialDisruption {
		return primary
	}
	if h.ready+h.notReady > largeClusterSize {
		return secondary
	}
	return 0
}

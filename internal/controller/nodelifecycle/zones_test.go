package nodelifecycle

import (
	"fmt"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func zoneNodes(zone string, ready, notReady int) []*v1.Node {
	var out []*v1.Node
	for i := 0; i < ready+notReady; i++ {
		s := v1.ConditionTrue
		if i >= ready {
			s = v1.ConditionUnknown
		}
		n := nodeWith(cond(v1.NodeReady, s))
		n.Name = fmt.Sprintf("%s-%d", zone, i)
		if zone != "" {
			n.Labels = map[string]string{v1.LabelTopologyRegion: "r", v1.LabelTopologyZone: zone}
		}
		out = append(out, n)
	}
	return out
}

func TestZones(t *testing.T) {
	for name, tc := range map[string]struct {
		ready, notReady int
		state           zoneState
		rate            float32
	}{
		"healthy":                 {10, 0, stateNormal, 0.1},
		"two down is normal":      {1, 2, stateNormal, 0.1},
		"three of five down":      {2, 3, statePartialDisruption, 0},
		"three of ten down":       {7, 3, stateNormal, 0.1},
		"large, mostly down":      {20, 40, statePartialDisruption, 0.01},
		"all down":                {0, 1, stateFullDisruption, 0.1},
		"just under the treshold": {5, 6, stateNormal, 0.1}, // 6/11 < 0.55
	} {
		zones := zonesOf(zoneNodes("a", tc.ready, tc.notReady))
		h := zones[zoneKey(zoneNodes("a", 1, 0)[0])]
		if h.state() != tc.state || zoneRate(h, 0.1, 0.01) != tc.rate {
			t.Errorf("%s: state %v rate %v, want %v %v", name, h.state(), zoneRate(h, 0.1, 0.01), tc.state, tc.rate)
		}
	}
	// Every zone down: nothing is evicted; one healthy zone is enough to go on.
	down := append(zoneNodes("a", 0, 3), zoneNodes("b", 0, 1)...)
	if !allDisrupted(zonesOf(down)) {
		t.Error("all zones down not detected")
	}
	if allDisrupted(zonesOf(append(down, zoneNodes("c", 1, 0)...))) {
		t.Error("one healthy zone: not all disrupted")
	}
	if allDisrupted(zonesOf(nil)) {
		t.Error("no nodes: disrupted")
	}
	// Unlabelled nodes share the zone ""; excluded nodes do not count.
	n := zoneNodes("", 0, 1)
	n[0].Labels = map[string]string{excludeDisruption: ""}
	if z := zonesOf(append(n, zoneNodes("", 1, 0)...)); len(z) != 1 || z[""] != (zoneHealth{ready: 1}) {
		t.Errorf("zones %v", z)
	}
	beta := &v1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1.LabelFailureDomainBetaRegion: "r", v1.LabelFailureDomainBetaZone: "z"}}}
	if zoneKey(beta) != "r:\x00:z" {
		t.Errorf("beta labels: %q", zoneKey(beta))
	}
}

package nodelifecycle

import (
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/flowcontrol"
)

// zoneLimiter lets through qps NoExecute taintings per second in one zone
// (burst 1, as upstream).
type zoneLimiter struct {
	qps float32
	flowcontrol.PassiveRateLimiter
}

func (c *Controller) newLimiter(qps float32) *zoneLimiter {
	if qps <= 0 {
		return &zoneLimiter{qps, flowcontrol.NewFakeNeverRateLimiter()}
	}
	return &zoneLimiter{qps, flowcontrol.NewTokenBucketPassiveRateLimiterWithClock(qps, 1, nowClock(c.now))}
}

// nowClock adapts the controller's clock for the rate limiters.
type nowClock func() time.Time

func (f nowClock) Now() time.Time                  { return f() }
func (f nowClock) Since(t time.Time) time.Duration { return f().Sub(t) }

// updateZones recomputes the zones' health from the informer's nodes (each
// monitor period) and sets each zone's tainting rate.
func (c *Controller) updateZones() {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	zones := zonesOf(nodes)
	all := allDisrupted(zones)
	c.mu.Lock()
	defer c.mu.Unlock()
	if all != c.disrupted {
		if all {
			c.log.Warn("no node is Ready: NoExecute taints removed and evictions stopped until one is")
		} else {
			c.log.Info("a node is Ready again: evictions resume")
		}
	}
	c.disrupted = all
	c.down = map[string]bool{}
	for _, n := range nodes {
		if readyStatus(n) != v1.ConditionTrue {
			c.down[n.Name] = true
		}
	}
	for z, h := range zones {
		qps := zoneRate(h, c.rate, c.secondaryRate)
		if l := c.limiters[z]; l == nil || l.qps != qps {
			c.limiters[z] = c.newLimiter(qps)
		}
	}
	for z := range c.limiters {
		if _, ok := zones[z]; !ok {
			delete(c.limiters, z)
		}
	}
}

// gateNoExecute filters the NoExecute taint the node's Ready condition
// calls for: none while every zone is down; swapping not-ready and
// unreachable at once; a new one only once the zones' health was computed
// with the node down (so that nodes failing together are counted
// together before any is tainted) and when the zone's rate allows.
func (c *Controller) gateNoExecute(node *v1.Node, want []v1.Taint) []v1.Taint {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := want[:0:0]
	wanted := false
	for _, t := range want {
		if t.Effect != v1.TaintEffectNoExecute {
			out = append(out, t)
			continue
		}
		wanted = true
		switch {
		case c.disrupted:
		case hasManagedNoExecute(node) || c.granted[node.Name]:
			// Present already (or a swap), or allowed a moment ago and
			// not yet seen by the informer.
			out = append(out, t)
		case !c.down[node.Name]:
			// Next monitor period.
		case c.limiter(zoneKey(node)).TryAccept():
			c.granted[node.Name] = true
			out = append(out, t)
		}
	}
	if !wanted || c.disrupted || hasManagedNoExecute(node) {
		delete(c.granted, node.Name)
	}
	return out
}

func (c *Controller) limiter(zone string) *zoneLimiter {
	l := c.limiters[zone]
	if l == nil {
		l = c.newLimiter(c.rate)
		c.limiters[zone] = l
	}
	return l
}

func hasManagedNoExecute(n *v1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Effect == v1.TaintEffectNoExecute && managed(t) {
			return true
		}
	}
	return false
}

package deployment

import (
	"sort"

	appsv1 "k8s.io/api/apps/v1"
)

// The orders in which the controller looks at ReplicaSets (upstream's).

// byAge returns rss sorted oldest first (ties by name).
func byAge(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := append([]*appsv1.ReplicaSet{}, rss...)
	sort.SliceStable(out, func(i, j int) bool { return olderThan(out[i], out[j]) })
	return out
}

func olderThan(a, b *appsv1.ReplicaSet) bool {
	if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.Name < b.Name
	}
	return a.CreationTimestamp.Before(&b.CreationTimestamp)
}

// sortBySizeNewer: larger first, newer first among equals (scaling up
// favours the new).
func sortBySizeNewer(rss []*appsv1.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool {
		if replicas(rss[i]) != replicas(rss[j]) {
			return replicas(rss[i]) > replicas(rss[j])
		}
		return olderThan(rss[j], rss[i])
	})
}

// sortBySizeOlder: larger first, older first among equals (scaling down
// takes from the old).
func sortBySizeOlder(rss []*appsv1.ReplicaSet) {
	sort.SliceStable(rss, func(i, j int) bool {
		if replicas(rss[i]) != replicas(rss[j]) {
			return replicas(rss[i]) > replicas(rss[j])
		}
		return olderThan(rss[i], rss[j])
	})
}

// byRevision returns rss sorted lowest revision first (ties oldest first).
func byRevision(rss []*appsv1.ReplicaSet) []*appsv1.ReplicaSet {
	out := append([]*appsv1.ReplicaSet{}, rss...)
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := Revision(out[i]), Revision(out[j])
		if ri == rj {
			return olderThan(out[i], out[j])
		}
		return ri < rj
	})
	return out
}

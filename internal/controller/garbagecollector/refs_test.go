package garbagecollector

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReferencesDiffs(t *testing.T) {
	yes := true
	a, b, c := ref("a"), ref("b"), ref("c")
	b2 := b
	b2.BlockOwnerDeletion = &yes
	added, removed, changed := referencesDiffs([]metav1.OwnerReference{a, b}, []metav1.OwnerReference{b2, c})
	if len(added) != 1 || added[0].UID != "c" || len(removed) != 1 || removed[0].UID != "a" ||
		len(changed) != 1 || changed[0].old.UID != "b" || !blocks(changed[0].new) || blocks(changed[0].old) {
		t.Fatalf("added %v removed %v changed %v", added, removed, changed)
	}
	added, removed, changed = referencesDiffs([]metav1.OwnerReference{a}, []metav1.OwnerReference{a})
	if len(added)+len(removed)+len(changed) != 0 {
		t.Fatal("no change reported as a change")
	}
}

func TestPartitionDependents(t *testing.T) {
	owner := objectRef{APIVersion: "v1", Kind: "ConfigMap", Name: "o", UID: "u", Namespace: "ns"}
	good := &node{identity: objectRef{Name: "good", Namespace: "ns"}, owners: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "o", UID: "u"}}}
	wrongName := &node{identity: objectRef{Name: "wrong", Namespace: "ns"}, owners: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "u"}}}
	otherNS := &node{identity: objectRef{Name: "other", Namespace: "ns2"}, owners: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "o", UID: "u"}}}
	m, n := partitionDependents([]*node{good, wrongName, otherNS}, owner)
	if len(m) != 1 || m[0] != good || len(n) != 2 {
		t.Fatalf("matching %v nonmatching %v", m, n)
	}
	// A cluster-scoped owner matches dependents of every namespace.
	owner.Namespace = ""
	m, _ = partitionDependents([]*node{good, otherNS}, owner)
	if len(m) != 2 {
		t.Fatalf("cluster-scoped owner: matching %v", m)
	}
}

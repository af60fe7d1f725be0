package statefulset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func claimSet(replicas int32, whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType) *appsv1.StatefulSet {
	return testSet(replicas, func(s *appsv1.StatefulSet) {
		s.Spec.VolumeClaimTemplates = []v1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: map[string]string{"tier": "db"}}}}
		s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: whenDeleted, WhenScaled: whenScaled}
	})
}

const (
	retain = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	del    = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
)

func TestClaimsFor(t *testing.T) {
	set := claimSet(1, retain, retain)
	cs := claimsFor(set, testPod(set, "web-3", "r", ready))
	if len(cs) != 1 || cs[0].Name != "data-web-3" || cs[0].Namespace != "ns" || cs[0].Labels["tier"] != "db" || cs[0].Labels["app"] != "web" {
		t.Errorf("claims %+v", cs)
	}
	if set.Spec.VolumeClaimTemplates[0].Labels["app"] != "" {
		t.Error("template mutated")
	}
}

// Owners per retention policy, for a pod in range and one scaled away.
func TestClaimOwnersFollowPolicy(t *testing.T) {
	cases := []struct {
		deleted, scaled appsv1.PersistentVolumeClaimRetentionPolicyType
		pod             string
		bySet, byPod    bool
	}{
		{retain, retain, "web-0", false, false},
		{retain, retain, "web-5", false, false},
		{del, retain, "web-0", true, false},
		{del, retain, "web-5", true, false},
		{retain, del, "web-0", false, false},
		{retain, del, "web-5", false, true},
		{del, del, "web-0", true, false},
		{del, del, "web-5", false, true},
	}
	for _, tc := range cases {
		set := claimSet(2, tc.deleted, tc.scaled)
		p := testPod(set, tc.pod, "r", ready)
		bySet, byPod := wantOwners(set, p)
		if bySet != tc.bySet || byPod != tc.byPod {
			t.Errorf("%s/%s %s: owners set=%v pod=%v, want %v %v", tc.deleted, tc.scaled, tc.pod, bySet, byPod, tc.bySet, tc.byPod)
		}
		c := claimsFor(set, p)[0]
		if ok := claimOwnersOK(c, set, p); ok != (!tc.bySet && !tc.byPod) {
			t.Errorf("%s/%s %s: fresh claim ok=%v", tc.deleted, tc.scaled, tc.pod, ok)
		}
		fixClaimOwners(c, set, p)
		if !claimOwnersOK(c, set, p) || ownedBy(c, set.UID) != tc.bySet || ownedBy(c, p.UID) != tc.byPod {
			t.Errorf("%s/%s %s: after fix owners %v", tc.deleted, tc.scaled, tc.pod, c.OwnerReferences)
		}
		if fixClaimOwners(c, set, p) && len(c.OwnerReferences) > 0 && !tc.bySet && !tc.byPod {
			t.Errorf("fix not idempotent")
		}
	}
}

// A claim owned by an earlier pod of the same name blocks the new pod
// (whenScaled Delete), and is never touched.
func TestClaimIsStale(t *testing.T) {
	set := claimSet(2, retain, del)
	p := newPod(set, 1, "r") // to be created: no UID
	claim := claimsFor(set, p)[0]
	old := testPod(set, "web-1", "r", ready)
	old.UID = "old-pod"
	claim.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(old, podKind)}
	lookup := func(name string) *v1.PersistentVolumeClaim {
		if name == claim.Name {
			return claim
		}
		return nil
	}
	if !claimIsStale(set, p, lookup) {
		t.Error("stale claim not seen")
	}
	if !claimOwnersOK(claim, set, p) {
		t.Error("a stale claim must be left alone")
	}
	if claimIsStale(claimSet(2, retain, retain), p, lookup) {
		t.Error("Retain claims are never stale")
	}
	w := testWorld(set)
	w.claims = lookup
	set.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	if got := describe(decide(w)); got != "create web-0|||" {
		t.Errorf("plan %q: web-1 must wait for its stale claim", got)
	}
}

// A pending pod whose claim is missing gets it (re)created.
func TestDecideEnsuresClaims(t *testing.T) {
	set := claimSet(1, retain, retain)
	w := testWorld(set, testPod(set, "web-0", "web-2", pending))
	if got := describe(decide(w)); got != "claims web-0!" {
		t.Errorf("plan %q", got)
	}
	claim := claimsFor(set, w.pods[0])[0]
	w.claims = func(string) *v1.PersistentVolumeClaim { return claim }
	if got := describe(decide(w)); got != "!" {
		t.Errorf("plan with claim %q", got)
	}
}

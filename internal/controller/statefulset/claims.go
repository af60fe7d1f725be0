package statefulset

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Every pod of a set with volumeClaimTemplates has its own claims, named
// <template>-<set>-<ordinal>. Who owns a claim follows the set's
// persistentVolumeClaimRetentionPolicy, so that the garbage collector
// deletes it when it should:
//
//	Retain/Retain (default): no owner, claims outlive pods and set
//	whenDeleted Delete: the set owns the claim
//	whenScaled Delete: a pod scaled away owns its claims
//	both Delete: the set, or once scaled away the pod

func claimName(set *appsv1.StatefulSet, template string, ordinal int) string {
	return template + "-" + set.Name + "-" + strconv.Itoa(ordinal)
}

// claimsFor builds the claims of pod p from the templates, labelled with
// the set's selector labels.
func claimsFor(set *appsv1.StatefulSet, p *v1.Pod) []*v1.PersistentVolumeClaim {
	o := ordinalOf(p)
	var out []*v1.PersistentVolumeClaim
	for i := range set.Spec.VolumeClaimTemplates {
		c := set.Spec.VolumeClaimTemplates[i].DeepCopy()
		c.Name = claimName(set, c.Name, o)
		c.Namespace = set.Namespace
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		if set.Spec.Selector != nil {
			for k, v := range set.Spec.Selector.MatchLabels {
				c.Labels[k] = v
			}
		}
		c.Status = v1.PersistentVolumeClaimStatus{}
		out = append(out, c)
	}
	return out
}

func retentionPolicy(set *appsv1.StatefulSet) appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy {
	p := appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
	}
	if rp := set.Spec.PersistentVolumeClaimRetentionPolicy; rp != nil {
		if rp.WhenDeleted != "" {
			p.WhenDeleted = rp.WhenDeleted
		}
		if rp.WhenScaled != "" {
			p.WhenScaled = rp.WhenScaled
		}
	}
	return p
}

const deletePolicy = appsv1.DeletePersistentVolumeClaimRetentionPolicyType

// wantOwners says which of set and pod should own p's claims.
func wantOwners(set *appsv1.StatefulSet, p *v1.Pod) (bySet, byPod bool) {
	rp := retentionPolicy(set)
	scaledAway := !inRange(set, p)
	bySet = rp.WhenDeleted == deletePolicy && !(rp.WhenScaled == deletePolicy && scaledAway)
	byPod = rp.WhenScaled == deletePolicy && scaledAway
	return bySet, byPod
}

// refersTo: ref names obj of kind gvk (UID aside).
func refersTo(ref *metav1.OwnerReference, obj metav1.Object, gvk schema.GroupVersionKind) bool {
	return ref.APIVersion == gvk.GroupVersion().String() && ref.Kind == gvk.Kind && ref.Name == obj.GetName()
}

// hasStaleRef: the claim names obj but another object of that name (one
// deleted since): leave it to the garbage collector.
func hasStaleRef(c *v1.PersistentVolumeClaim, obj metav1.Object, gvk schema.GroupVersionKind) bool {
	for i := range c.OwnerReferences {
		if refersTo(&c.OwnerReferences[i], obj, gvk) {
			return c.OwnerReferences[i].UID != obj.GetUID()
		}
	}
	return false
}

// hasForeignController: some controller other than set and pod manages
// the claim; the retention policy then does not apply to it.
func hasForeignController(c *v1.PersistentVolumeClaim, set *appsv1.StatefulSet, p *v1.Pod) bool {
	for _, r := range c.OwnerReferences {
		if r.UID == set.UID || (p.UID != "" && r.UID == p.UID) {
			continue
		}
		if r.Controller != nil && *r.Controller {
			return true
		}
	}
	return false
}

func ownedBy(c *v1.PersistentVolumeClaim, uid types.UID) bool {
	for _, r := range c.OwnerReferences {
		if uid != "" && r.UID == uid {
			return true
		}
	}
	return false
}

// claimOwnersOK: the claim's owner references follow the policy (or the
// claim is in a state the controller must not touch).
func claimOwnersOK(c *v1.PersistentVolumeClaim, set *appsv1.StatefulSet, p *v1.Pod) bool {
	if hasStaleRef(c, set, kind) || hasStaleRef(c, p, podKind) {
		return true
	}
	setRef, podRef := ownedBy(c, set.UID), ownedBy(c, p.UID)
	if hasForeignController(c, set, p) {
		return !setRef && !podRef
	}
	bySet, byPod := wantOwners(set, p)
	return setRef == bySet && podRef == byPod
}

// fixClaimOwners rewrites the claim's references to set and pod per the
// policy; it reports whether anything changed.
func fixClaimOwners(c *v1.PersistentVolumeClaim, set *appsv1.StatefulSet, p *v1.Pod) bool {
	before := len(c.OwnerReferences)
	foreign := hasForeignController(c, set, p)
	var refs []metav1.OwnerReference
	for _, r := range c.OwnerReferences {
		if refersTo(&r, set, kind) || refersTo(&r, p, podKind) {
			continue
		}
		refs = append(refs, r)
	}
	changed := len(refs) != before
	if !foreign {
		bySet, byPod := wantOwners(set, p)
		if bySet {
			refs = append(refs, *metav1.NewControllerRef(set, kind))
			changed = true
		}
		if byPod && p.UID != "" {
			refs = append(refs, *metav1.NewControllerRef(p, podKind))
			changed = true
		}
	}
	c.OwnerReferences = refs
	return changed
}

// claimIsStale: with whenScaled Delete, a claim still owned by an earlier
// pod of the same name is about to be garbage collected; the new pod must
// wait for it to go rather than use it.
func claimIsStale(set *appsv1.StatefulSet, p *v1.Pod, claims func(string) *v1.PersistentVolumeClaim) bool {
	if retentionPolicy(set).WhenScaled != deletePolicy {
		return false
	}
	for _, want := range claimsFor(set, p) {
		if c := claims(want.Name); c != nil && hasStaleRef(c, p, podKind) {
			return true
		}
	}
	return false
}

// claimsOK: all of p's claims exist and have the owners the policy wants.
func claimsOK(set *appsv1.StatefulSet, p *v1.Pod, claims func(string) *v1.PersistentVolumeClaim) (exist, owners bool) {
	exist, owners = true, true
	for _, want := range claimsFor(set, p) {
		c := claims(want.Name)
		if c == nil {
			exist = false
			continue
		}
		if !claimOwnersOK(c, set, p) {
			owners = false
		}
	}
	return exist, owners
}

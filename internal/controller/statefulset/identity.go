package statefulset

import (
	"regexp"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"

	"orca/internal/controller/pods"
)

// A StatefulSet's pods have stable identities: the name <set>-<ordinal>,
// the labels naming pod and index, hostname and subdomain for the headless
// Service, and one claim per volumeClaimTemplate.

var kind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")
var podKind = v1.SchemeGroupVersion.WithKind("Pod")

// podNameRE splits "<parent>-<ordinal>"; the parent may itself hold dashes.
var podNameRE = regexp.MustCompile(`^(.*)-([0-9]+)$`)

// parentAndOrdinal parses a pod name; ordinal -1 when it has none.
func parentAndOrdinal(name string) (string, int) {
	m := podNameRE.FindStringSubmatch(name)
	if m == nil {
		return "", -1
	}
	n, err := strconv.ParseInt(m[2], 10, 32)
	if err != nil {
		return m[1], -1
	}
	return m[1], int(n)
}

func ordinalOf(p *v1.Pod) int {
	_, o := parentAndOrdinal(p.Name)
	return o
}

// isMember: the pod's name says it belongs to set.
func isMember(set *appsv1.StatefulSet, p *v1.Pod) bool {
	parent, _ := parentAndOrdinal(p.Name)
	return parent == set.Name
}

func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func replicaCount(set *appsv1.StatefulSet) int {
	if set.Spec.Replicas == nil {
		return 1
	}
	return int(*set.Spec.Replicas)
}

// inRange: the pod's ordinal is one the set currently wants.
func inRange(set *appsv1.StatefulSet, p *v1.Pod) bool {
	o := ordinalOf(p)
	return o >= startOrdinal(set) && o < startOrdinal(set)+replicaCount(set)
}

func podName(set *appsv1.StatefulSet, ordinal int) string {
	return set.Name + "-" + strconv.Itoa(ordinal)
}

// identityMatches: name, namespace and the pod-name label agree with the
// ordinal (hostname and subdomain are immutable, set only at creation).
func identityMatches(set *appsv1.StatefulSet, p *v1.Pod) bool {
	parent, o := parentAndOrdinal(p.Name)
	return o >= 0 && parent == set.Name && p.Namespace == set.Namespace &&
		p.Labels[appsv1.StatefulSetPodNameLabel] == p.Name &&
		p.Labels[appsv1.PodIndexLabel] == strconv.Itoa(o)
}

// updateIdentity restores the identity labels.
func updateIdentity(set *appsv1.StatefulSet, p *v1.Pod) {
	o := ordinalOf(p)
	p.Name = podName(set, o)
	p.Namespace = set.Namespace
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[appsv1.StatefulSetPodNameLabel] = p.Name
	p.Labels[appsv1.PodIndexLabel] = strconv.Itoa(o)
}

// storageMatches: every claim template has its volume pointing at the
// pod's own claim.
func storageMatches(set *appsv1.StatefulSet, p *v1.Pod) bool {
	o := ordinalOf(p)
	if o < 0 {
		return false
	}
	vols := map[string]*v1.Volume{}
	for i := range p.Spec.Volumes {
		vols[p.Spec.Volumes[i].Name] = &p.Spec.Volumes[i]
	}
	for i := range set.Spec.VolumeClaimTemplates {
		t := &set.Spec.VolumeClaimTemplates[i]
		v := vols[t.Name]
		if v == nil || v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != claimName(set, t.Name, o) {
			return false
		}
	}
	return true
}

// updateStorage makes the pod's volumes named after claim templates point
// at its claims, keeping its other volumes.
func updateStorage(set *appsv1.StatefulSet, p *v1.Pod) {
	o := ordinalOf(p)
	templates := map[string]bool{}
	var vols []v1.Volume
	for _, t := range set.Spec.VolumeClaimTemplates {
		templates[t.Name] = true
		vols = append(vols, v1.Volume{Name: t.Name, VolumeSource: v1.VolumeSource{
			PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(set, t.Name, o)},
		}})
	}
	for _, v := range p.Spec.Volumes {
		if !templates[v.Name] {
			vols = append(vols, v)
		}
	}
	p.Spec.Volumes = vols
}

// newPod is the pod of ordinal built from set's template (set is the
// StatefulSet at the revision the pod is to have).
func newPod(set *appsv1.StatefulSet, ordinal int, revision string) *v1.Pod {
	p := pods.FromTemplate(&set.Spec.Template, set, kind)
	p.Name = podName(set, ordinal)
	updateIdentity(set, p)
	p.Labels[appsv1.ControllerRevisionHashLabelKey] = revision
	// Hostname and subdomain are immutable: only at creation.
	p.Spec.Hostname = p.Name
	p.Spec.Subdomain = set.Spec.ServiceName
	updateStorage(set, p)
	return p
}

func revisionOf(p *v1.Pod) string { return p.Labels[appsv1.ControllerRevisionHashLabelKey] }

// Pod states, as upstream's StatefulSet controller sees them. A pod the
// controller means to create has no phase yet.
func isCreated(p *v1.Pod) bool     { return p.Status.Phase != "" }
func isPending(p *v1.Pod) bool     { return p.Status.Phase == v1.PodPending }
func isTerminating(p *v1.Pod) bool { return p.DeletionTimestamp != nil }
func isFinished(p *v1.Pod) bool {
	return p.Status.Phase == v1.PodFailed || p.Status.Phase == v1.PodSucceeded
}
func isRunningAndReady(p *v1.Pod) bool {
	return p.Status.Phase == v1.PodRunning && pods.IsReady(p)
}
func isRunningAndAvailable(p *v1.Pod, minReady int32, now time.Time) bool {
	return p.Status.Phase == v1.PodRunning && pods.IsAvailable(p, minReady, now)
}

// isUnavailable: not running, ready and available, or going away.
func isUnavailable(p *v1.Pod, minReady int32, now time.Time) bool {
	return !isRunningAndAvailable(p, minReady, now) || isTerminating(p)
}

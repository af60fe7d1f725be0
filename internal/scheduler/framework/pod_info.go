package framework

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"
	"strings"
)

// AffinityTerm is a parsed PodAffinityTerm: selectors are compiled once per
// pod, not once per (pod, node) check.
type AffinityTerm struct {
	Namespaces        sets.Set[string]
	Selector          labels.Selector
	TopologyKey       string
	NamespaceSelector labels.Selector
	// MatchID is equal for terms that select the same pods (namespaces and
	// both selectors), so a cycle can match each distinct term once: the
	// replicas of one workload all carry the same term.
	MatchID int32
}

// Matches reports whether pod is selected by the term. nsLabels are the
// labels of pod's namespace, for namespaceSelector.
func (t *AffinityTerm) Matches(pod *v1.Pod, nsLabels labels.Set) bool {
	if t.Namespaces.Has(pod.Namespace) || t.NamespaceSelector.Matches(nsLabels) {
		return t.Selector.Matches(labels.Set(pod.Labels))
	}
	return false
}

// WeightedAffinityTerm is a preferred term with its weight.
type WeightedAffinityTerm struct {
	AffinityTerm
	Weight int32
}

// PodInfo is a pod plus everything derived from its spec that plugins need
// repeatedly. ParseErr is kept rather than failing: a pod with a bad selector
// must still be accounted on its node.
type PodInfo struct {
	Pod                        *v1.Pod
	RequiredAffinityTerms      []AffinityTerm
	RequiredAntiAffinityTerms  []AffinityTerm
	PreferredAffinityTerms     []WeightedAffinityTerm
	PreferredAntiAffinityTerms []WeightedAffinityTerm
	// Requests and NonZeroRequests are PodRequests(pod, false/true).
	Requests        *Resource
	NonZeroRequests *Resource
	ParseErr        error
	// MatchID is equal for pods any affinity term treats alike: same
	// namespace and labels (replicas of one workload).
	MatchID int32
}

// NewPodInfo precomputes a pod's affinity terms and requests.
func NewPodInfo(pod *v1.Pod) *PodInfo {
	pi := &PodInfo{Pod: pod, Requests: PodRequests(pod, false), NonZeroRequests: PodRequests(pod, true),
		MatchID: intern(pod.Namespace + "/" + labels.Set(pod.Labels).String())}
	aff := pod.Spec.Affinity
	if aff == nil {
		return pi
	}
	if a := aff.PodAffinity; a != nil {
		pi.RequiredAffinityTerms = pi.terms(a.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.PreferredAffinityTerms = pi.weighted(a.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if a := aff.PodAntiAffinity; a != nil {
		pi.RequiredAntiAffinityTerms = pi.terms(a.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.PreferredAntiAffinityTerms = pi.weighted(a.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	return pi
}

func (pi *PodInfo) terms(in []v1.PodAffinityTerm) []AffinityTerm {
	out := make([]AffinityTerm, 0, len(in))
	for i := range in {
		t, err := NewAffinityTerm(pi.Pod, &in[i])
		if err != nil {
			pi.ParseErr = err
			continue
		}
		out = append(out, t)
	}
	return out
}

func (pi *PodInfo) weighted(in []v1.WeightedPodAffinityTerm) []WeightedAffinityTerm {
	out := make([]WeightedAffinityTerm, 0, len(in))
	for i := range in {
		t, err := NewAffinityTerm(pi.Pod, &in[i].PodAffinityTerm)
		if err != nil {
			pi.ParseErr = err
			continue
		}
		out = append(out, WeightedAffinityTerm{AffinityTerm: t, Weight: in[i].Weight})
	}
	return out
}

// NewAffinityTerm compiles a term. matchLabelKeys/mismatchLabelKeys are
// folded into the selector using the owning pod's labels, as upstream does.
// No namespaces and no namespaceSelector means "the pod's own namespace";
// an empty namespaceSelector means every namespace.
func NewAffinityTerm(pod *v1.Pod, term *v1.PodAffinityTerm) (AffinityTerm, error) {
	sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
	if err != nil {
		return AffinityTerm{}, err
	}
	sel = addLabelKeys(sel, pod, term.MatchLabelKeys, true)
	sel = addLabelKeys(sel, pod, term.MismatchLabelKeys, false)
	ns := sets.New(term.Namespaces...)
	if len(term.Namespaces) == 0 && term.NamespaceSelector == nil {
		ns.Insert(pod.Namespace)
	}
	nsSel, err := metav1.LabelSelectorAsSelector(term.NamespaceSelector)
	if err != nil {
		return AffinityTerm{}, err
	}
	key := strings.Join(sets.List(ns), ",") + "|" + sel.String() + "|" + nsSel.String()
	return AffinityTerm{Namespaces: ns, Selector: sel, TopologyKey: term.TopologyKey, NamespaceSelector: nsSel, MatchID: intern(key)}, nil
}

// addLabelKeys narrows sel with key=value (in) or key!=value for each key the
// owning pod carries; keys the pod lacks are ignored.
func addLabelKeys(sel labels.Selector, pod *v1.Pod, keys []string, in bool) labels.Selector {
	for _, k := range keys {
		v, ok := pod.Labels[k]
		if !ok {
			continue
		}
		op := selection.In
		if !in {
			op = selection.NotIn
		}
		r, err := labels.NewRequirement(k, op, []string{v})
		if err == nil {
			sel = sel.Add(*r)
		}
	}
	return sel
}

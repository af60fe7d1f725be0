package statefulset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// A set's history is kept in ControllerRevisions, as upstream: each holds
// a strategic merge patch replacing spec.template, so `kubectl rollout
// undo` can apply it to the set as is. Pods carry their revision's name in
// the controller-revision-hash label.

// hashLabel is the label holding a revision's hash (upstream's
// ControllerRevisionHashLabel of pkg/controller/history).
const hashLabel = "controller.kubernetes.io/hash"

// templatePatch is the revision data of set: its template, replacing.
func templatePatch(set *appsv1.StatefulSet) ([]byte, error) {
	b, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	tmpl, _ := raw["spec"].(map[string]any)["template"].(map[string]any)
	if tmpl == nil {
		tmpl = map[string]any{}
	}
	tmpl["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": tmpl}})
}

// revisionHash is upstream's: FNV-32 of the data and the collision count,
// made safe for names.
func revisionHash(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

func revisionName(set string, hash string) string {
	if len(set) > 223 {
		set = set[:223]
	}
	return set + "-" + hash
}

// newRevision is set's current template as revision number n (not yet
// stored): owned by set, labelled with the template's labels and the hash,
// annotated with the set's annotations.
func newRevision(set *appsv1.StatefulSet, n int64, collisionCount int32) (*appsv1.ControllerRevision, error) {
	data, err := templatePatch(set)
	if err != nil {
		return nil, err
	}
	hash := revisionHash(data, &collisionCount)
	cr := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            revisionName(set.Name, hash),
			Namespace:       set.Namespace,
			Labels:          map[string]string{},
			Annotations:     map[string]string{},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, kind)},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: n,
	}
	for k, v := range set.Spec.Template.Labels {
		cr.Labels[k] = v
	}
	cr.Labels[hashLabel] = hash
	for k, v := range set.Annotations {
		cr.Annotations[k] = v
	}
	return cr, nil
}

// applyRevision is set with the template of revision r.
func applyRevision(set *appsv1.StatefulSet, r *appsv1.ControllerRevision) (*appsv1.StatefulSet, error) {
	orig, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	patched, err := strategicpatch.StrategicMergePatch(orig, r.Data.Raw, &appsv1.StatefulSet{})
	if err != nil {
		return nil, err
	}
	out := &appsv1.StatefulSet{}
	if err := json.Unmarshal(patched, out); err != nil {
		return nil, err
	}
	return out, nil
}

// sortRevisions orders by revision number, then creation, then name.
func sortRevisions(rs []*appsv1.ControllerRevision) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	})
}

// nextRevisionNumber follows the highest of sorted revisions.
func nextRevisionNumber(sorted []*appsv1.ControllerRevision) int64 {
	if len(sorted) == 0 {
		return 1
	}
	return sorted[len(sorted)-1].Revision + 1
}

// sameData: two revisions hold the same template. Byte equality is the
// rule; a semantic comparison covers data re-encoded on the way.
func sameData(a, b *appsv1.ControllerRevision) bool {
	if bytes.Equal(a.Data.Raw, b.Data.Raw) {
		return true
	}
	var x, y map[string]any
	if json.Unmarshal(a.Data.Raw, &x) != nil || json.Unmarshal(b.Data.Raw, &y) != nil {
		return false
	}
	return equality.Semantic.DeepEqual(x, y)
}

// revisionChoice is what to do to have an update revision for the set's
// template: reuse the newest revision, renumber an older equal one (a
// rollback), or create want.
type revisionChoice struct {
	reuse    *appsv1.ControllerRevision // newest already matches
	renumber *appsv1.ControllerRevision // older match: give it want.Revision
	create   bool
}

// chooseUpdateRevision decides among sorted existing revisions for want.
func chooseUpdateRevision(sorted []*appsv1.ControllerRevision, want *appsv1.ControllerRevision) revisionChoice {
	var last *appsv1.ControllerRevision
	for _, r := range sorted {
		if sameData(r, want) {
			last = r
		}
	}
	switch {
	case last == nil:
		return revisionChoice{create: true}
	case last == sorted[len(sorted)-1]:
		return revisionChoice{reuse: last}
	default:
		return revisionChoice{renumber: last}
	}
}

// revisionsToTruncate are the oldest revisions beyond the history limit
// that no pod and neither status revision uses.
func revisionsToTruncate(sorted []*appsv1.ControllerRevision, limit int32, live map[string]bool) []*appsv1.ControllerRevision {
	var old []*appsv1.ControllerRevision
	for _, r := range sorted {
		if !live[r.Name] {
			old = append(old, r)
		}
	}
	if limit < 0 || len(old) <= int(limit) {
		return nil
	}
	return old[:len(old)-int(limit)]
}

// liveRevisions are the names in use: current, update and the pods'.
func liveRevisions(current, update string, ps []*v1.Pod) map[string]bool {
	live := map[string]bool{current: true, update: true}
	for _, p := range ps {
		live[revisionOf(p)] = true
	}
	return live
}

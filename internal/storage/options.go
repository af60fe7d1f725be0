package storage

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// AttrFunc returns the labels and selectable fields of an object.
type AttrFunc func(obj runtime.Object) (labels.Set, fields.Set)

// Predicate selects objects by label and field selectors.
type Predicate struct {
	Label labels.Selector
	Field fields.Selector
}

// Everything reports whether the predicate selects all objects.
func (p Predicate) Everything() bool {
	return (p.Label == nil || p.Label.Empty()) && (p.Field == nil || p.Field.Empty())
}

func (p Predicate) matches(l labels.Labels, f fields.Fields) bool {
	if p.Label != nil && !p.Label.Empty() && !p.Label.Matches(l) {
		return false
	}
	if p.Field != nil && !p.Field.Empty() && !p.Field.Matches(f) {
		return false
	}
	return true
}

// ListOptions are the parts of metav1.ListOptions storage acts on.
type ListOptions struct {
	ResourceVersion      string
	ResourceVersionMatch metav1.ResourceVersionMatch
	Limit                int64
	Continue             string
	Predicate            Predicate
	AllowBookmarks       bool
	SendInitialEvents    *bool
}

// ListResult is one page of a list.
type ListResult struct {
	Items              []runtime.Object
	ResourceVersion    uint64
	Continue           string
	RemainingItemCount *int64
}

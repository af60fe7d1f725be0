package storage

import (
	"testing"

	"k8s.io/apimachinery/pkg/fields"
)

func TestFieldListMatchesLikeSet(t *testing.T) {
	set := fields.Set{"spec.nodeName": "n1", "status.phase": "Running", "metadata.name": "p", "spec.hostNetwork": "false"}
	list := compactFields(set)
	for _, sel := range []string{
		"spec.nodeName=n1", "spec.nodeName!=n1", "spec.nodeName=n2", "spec.nodeName=",
		"status.phase=Running,spec.nodeName=n1", "status.phase!=Succeeded,status.phase!=Failed",
		"metadata.name=p", "spec.schedulerName=", "spec.schedulerName!=x", "spec.hostNetwork=false",
	} {
		s, err := fields.ParseSelector(sel)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Matches(list), s.Matches(set); got != want {
			t.Errorf("%q: fieldList matches %v, fields.Set %v", sel, got, want)
		}
	}
	for k, v := range set {
		if !list.Has(k) || list.Get(k) != v {
			t.Errorf("%s: Has %v Get %q, want %q", k, list.Has(k), list.Get(k), v)
		}
	}
	if list.Has("spec.other") || list.Get("spec.other") != "" {
		t.Error("a missing field is reported present")
	}
	if compactFields(nil).Has("x") {
		t.Error("empty list has a field")
	}
}

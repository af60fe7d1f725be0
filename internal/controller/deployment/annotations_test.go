package deployment

import (
	"strings"
	"testing"
)

func TestDeploymentNewRSAnnotations(t *testing.T) {
	d := deploy(4, "1", "0")
	d.Annotations = map[string]string{
		"kubernetes.io/change-cause": "set image",
		lastAppliedAnnotation:        "{}",
		RevisionAnnotation:           "7",
	}
	r := rs("r", 0, 0, 0, 0)
	r.Annotations = nil
	if !setNewRSAnnotations(d, r, 1, false) {
		t.Fatal("no change reported for a fresh ReplicaSet")
	}
	want := map[string]string{
		"kubernetes.io/change-cause": "set image",
		RevisionAnnotation:           "1",
		DesiredReplicasAnnotation:    "4",
		MaxReplicasAnnotation:        "5",
	}
	for k, v := range want {
		if r.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, r.Annotations[k], v)
		}
	}
	if _, ok := r.Annotations[lastAppliedAnnotation]; ok {
		t.Error("last-applied-configuration copied to the ReplicaSet")
	}
	if setNewRSAnnotations(d, r, 1, true) {
		t.Error("change reported for an up-to-date ReplicaSet")
	}
	// A rollback makes revision 1 the new revision 3, then 5.
	setNewRSAnnotations(d, r, 3, true)
	setNewRSAnnotations(d, r, 5, true)
	if r.Annotations[RevisionAnnotation] != "5" || r.Annotations[RevisionHistoryAnnotation] != "1,3" {
		t.Errorf("revision %q history %q, want 5 and 1,3", r.Annotations[RevisionAnnotation], r.Annotations[RevisionHistoryAnnotation])
	}
	// A lower revision never replaces a higher one.
	if setNewRSAnnotations(d, r, 2, true) || r.Annotations[RevisionAnnotation] != "5" {
		t.Error("revision went down")
	}
}

func TestDeploymentRevisionHistoryIsBounded(t *testing.T) {
	r := rs("r", 0, 0, 0, 0)
	r.Annotations[RevisionHistoryAnnotation] = strings.Repeat("12345,", 333) + "12345"
	appendRevisionHistory(r, "99999")
	got := r.Annotations[RevisionHistoryAnnotation]
	if len(got) > maxRevisionHistoryChars || !strings.HasSuffix(got, ",99999") || !strings.HasPrefix(got, "12345,") {
		t.Errorf("history of %d chars ending %q", len(got), got[len(got)-12:])
	}
}

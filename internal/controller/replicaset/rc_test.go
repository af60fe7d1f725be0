package replicaset

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReplicationControllerConversionRoundTrip(t *testing.T) {
	n := int32(4)
	rc := &v1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rc", UID: "u", Generation: 5, ResourceVersion: "9"},
		Spec: v1.ReplicationControllerSpec{
			Replicas: &n, MinReadySeconds: 7, Selector: map[string]string{"app": "x"},
			Template: &v1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}}},
		},
		Status: v1.ReplicationControllerStatus{
			Replicas: 4, FullyLabeledReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 1, ObservedGeneration: 5,
			Conditions: []v1.ReplicationControllerCondition{{Type: v1.ReplicationControllerReplicaFailure, Status: v1.ConditionTrue, Reason: "FailedCreate", Message: "m"}},
		},
	}
	rs := rcToRS(rc)
	if *rs.Spec.Replicas != 4 || rs.Spec.MinReadySeconds != 7 || rs.Spec.Selector.MatchLabels["app"] != "x" || rs.Status.AvailableReplicas != 1 || len(rs.Status.Conditions) != 1 {
		t.Fatalf("rcToRS: %+v", rs)
	}
	if back := rsToRC(rs); !equality.Semantic.DeepEqual(back, rc) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, rc)
	}
}

package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEventCells(t *testing.T) {
	core := &corev1.Event{
		ObjectMeta:     meta5m("web.17a"),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
		Reason:         "BackOff", Message: "Back-off restarting failed container\n", Type: corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: ago(10 * time.Minute), LastTimestamp: ago(2 * time.Minute), Count: 7,
	}
	newStyle := &eventsv1.Event{
		ObjectMeta: meta5m("web.17b"), EventTime: metav1.NewMicroTime(testNow.Add(-3 * time.Minute)),
		Regarding: corev1.ObjectReference{Kind: "Deployment", Name: "web"}, Reason: "ScalingReplicaSet", Type: "Normal",
		Note: "Scaled up replica set web-1 to 3", ReportingController: "deployment-controller", Action: "Scale",
	}
	series := &eventsv1.Event{
		ObjectMeta: meta5m("web.17c"), EventTime: metav1.NewMicroTime(testNow.Add(-time.Hour)),
		Regarding: corev1.ObjectReference{Kind: "Node"}, Reason: "Rebooted", Type: "Warning",
		ReportingController: "kubelet", ReportingInstance: "node-2",
		Series: &eventsv1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(testNow.Add(-30 * time.Second))},
	}
	cases := []cellCase{
		{"core", core, []interface{}{"2m", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, node-1",
			"Back-off restarting failed container", "10m", int64(7), "web.17a"}},
		{"events.k8s.io singleton", newStyle, []interface{}{"3m", "Normal", "ScalingReplicaSet", "deployment/web", "",
			"deployment-controller", "Scaled up replica set web-1 to 3", "3m", int64(1), "web.17b"}},
		{"events.k8s.io series", series, []interface{}{"30s", "Warning", "Rebooted", "node", "", "kubelet, node-2", "",
			"60m", int64(4), "web.17c"}},
		{"no times", &corev1.Event{}, []interface{}{"<unknown>", "", "", "", "", "", "", "<unknown>", int64(1), ""}},
	}
	checkCells(t, "", "events", cases)
	checkCells(t, "events.k8s.io", "events", cases)
}

package printers

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func appsPrinters() map[string]Printer {
	return map[string]Printer{
		"deployments":         {Columns: deploymentColumns, Cells: typed(deploymentCells)},
		"replicasets":         {Columns: replicaSetColumns, Cells: typed(replicaSetCells)},
		"daemonsets":          {Columns: daemonSetColumns, Cells: typed(daemonSetCells)},
		"statefulsets":        {Columns: statefulSetColumns, Cells: typed(statefulSetCells)},
		"controllerrevisions": {Columns: controllerRevisionColumns, Cells: typedErr(controllerRevisionCells)},
	}
}

var deploymentColumns = columns(nameColumn(),
	column("Ready", "string", "Ready replicas out of desired replicas."),
	column("Up-to-date", "string", "Replicas running the latest pod template."),
	column("Available", "string", "Replicas available to users."),
	ageColumn(),
	containerColumns(),
	wide("Selector", "string", "Label selector of the deployment's pods."))

func deploymentCells(d *appsv1.Deployment, now time.Time) []interface{} {
	selector := "<invalid>"
	if s, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err == nil {
		selector = s.String()
	}
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	return []interface{}{
		d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas), age(d.CreationTimestamp, now),
		names, images, selector,
	}
}

var replicaSetColumns = columns(nameColumn(),
	column("Desired", "integer", "Number of replicas wanted."),
	column("Current", "integer", "Number of replicas created."),
	column("Ready", "integer", "Number of ready replicas."),
	ageColumn(),
	containerColumns(),
	wide("Selector", "string", "Label selector of the replica set's pods."))

func replicaSetCells(rs *appsv1.ReplicaSet, now time.Time) []interface{} {
	names, images := containerCells(rs.Spec.Template.Spec.Containers)
	return []interface{}{
		rs.Name, replicas(rs.Spec.Replicas), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas),
		age(rs.CreationTimestamp, now), names, images, selectorString(rs.Spec.Selector),
	}
}

var daemonSetColumns = columns(nameColumn(),
	column("Desired", "integer", "Number of nodes that should run the daemon pod."),
	column("Current", "integer", "Number of nodes running the daemon pod."),
	column("Ready", "integer", "Number of nodes with a ready daemon pod."),
	column("Up-to-date", "integer", "Number of nodes running the latest pod template."),
	column("Available", "integer", "Number of nodes with an available daemon pod."),
	column("Node Selector", "string", "Node selector of the pod template."),
	ageColumn(),
	containerColumns(),
	wide("Selector", "string", "Label selector of the daemon set's pods."))

func daemonSetCells(ds *appsv1.DaemonSet, now time.Time) []interface{} {
	st := ds.Status
	names, images := containerCells(ds.Spec.Template.Spec.Containers)
	return []interface{}{
		ds.Name, int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
		int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable), labelsString(ds.Spec.Template.Spec.NodeSelector),
		age(ds.CreationTimestamp, now), names, images, selectorString(ds.Spec.Selector),
	}
}

var statefulSetColumns = columns(nameColumn(),
	column("Ready", "string", "Ready replicas out of desired replicas."),
	ageColumn(),
	containerColumns())

func statefulSetCells(ss *appsv1.StatefulSet, now time.Time) []interface{} {
	names, images := containerCells(ss.Spec.Template.Spec.Containers)
	return []interface{}{
		ss.Name, fmt.Sprintf("%d/%d", ss.Status.ReadyReplicas, replicas(ss.Spec.Replicas)),
		age(ss.CreationTimestamp, now), names, images,
	}
}

var controllerRevisionColumns = columns(nameColumn(),
	column("Controller", "string", "Object that owns the revision."),
	column("Revision", "string", "Revision number."),
	ageColumn())

func controllerRevisionCells(cr *appsv1.ControllerRevision, now time.Time) ([]interface{}, error) {
	controller := "<none>"
	if ref := metav1.GetControllerOf(cr); ref != nil {
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err != nil {
			return nil, err
		}
		controller = ref.Name
		if gk := gv.WithKind(ref.Kind).GroupKind(); !gk.Empty() {
			controller = strings.ToLower(gk.String()) + "/" + ref.Name
		}
	}
	return []interface{}{cr.Name, controller, cr.Revision, age(cr.CreationTimestamp, now)}, nil
}

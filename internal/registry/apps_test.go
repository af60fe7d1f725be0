package registry

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var appLabels = map[string]string{"app": "web"}

func appSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
}

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: objMeta("web"), Spec: appsv1.DeploymentSpec{Selector: appSelector(), Template: validTemplate(appLabels)}}
}

func TestDeploymentDefaults(t *testing.T) {
	d := deployment()
	must(t, create(deploymentStrategy{}, d))
	want := appsv1.DeploymentSpec{
		Replicas: ptrTo[int32](1),
		Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
			MaxUnavailable: ptrTo(intstr.FromString("25%")), MaxSurge: ptrTo(intstr.FromString("25%"))}},
		RevisionHistoryLimit: ptrTo[int32](10), ProgressDeadlineSeconds: ptrTo[int32](600),
	}
	got := d.Spec
	got.Selector, got.Template = nil, corev1.PodTemplateSpec{}
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("spec = %+v", got)
	}
	if d.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("template not defaulted")
	}
}

func TestDaemonSetDefaults(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: objMeta("ds"), Spec: appsv1.DaemonSetSpec{Selector: appSelector(), Template: validTemplate(appLabels)}}
	must(t, create(daemonSetStrategy{}, ds))
	us := ds.Spec.UpdateStrategy
	if us.Type != appsv1.RollingUpdateDaemonSetStrategyType || *us.RollingUpdate.MaxUnavailable != intstr.FromInt32(1) ||
		*us.RollingUpdate.MaxSurge != intstr.FromInt32(0) || *ds.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("spec = %+v", ds.Spec)
	}
}

func statefulSet() *appsv1.StatefulSet {
	return &appsv1.StatefulSet{ObjectMeta: objMeta("db"), Spec: appsv1.StatefulSetSpec{Selector: appSelector(), Template: validTemplate(appLabels),
		ServiceName: "db", VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{"storage": q("1Gi")}}}}}}}
}

func TestStatefulSetDefaults(t *testing.T) {
	ss := statefulSet()
	must(t, create(statefulSetStrategy{}, ss))
	s := ss.Spec
	if *s.Replicas != 1 || s.PodManagementPolicy != appsv1.OrderedReadyPodManagement || *s.RevisionHistoryLimit != 10 {
		t.Errorf("spec = %+v", s)
	}
	if s.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType || *s.UpdateStrategy.RollingUpdate.Partition != 0 {
		t.Errorf("updateStrategy = %+v", s.UpdateStrategy)
	}
	rp := s.PersistentVolumeClaimRetentionPolicy
	if rp.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || rp.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("retention = %+v", rp)
	}
	vct := s.VolumeClaimTemplates[0]
	if *vct.Spec.VolumeMode != corev1.PersistentVolumeFilesystem || vct.Status.Phase != corev1.ClaimPending {
		t.Errorf("claim template = %+v", vct)
	}
}

func TestWorkloadValidation(t *testing.T) {
	type tc struct {
		name string
		s    Strategy
		obj  runtime.Object
		want []wantErr
	}
	mismatch := func(l map[string]string) corev1.PodTemplateSpec { return validTemplate(l) }
	other := map[string]string{"app": "other"}
	cases := []tc{
		{"deployment valid", deploymentStrategy{}, deployment(), nil},
		{"deployment mismatch", deploymentStrategy{}, &appsv1.Deployment{ObjectMeta: objMeta("d"),
			Spec: appsv1.DeploymentSpec{Selector: appSelector(), Template: mismatch(other)}},
			[]wantErr{invalid + "spec.template.metadata.labels"}},
		{"deployment no selector", deploymentStrategy{}, &appsv1.Deployment{ObjectMeta: objMeta("d"),
			Spec: appsv1.DeploymentSpec{Template: validTemplate(appLabels)}},
			[]wantErr{required + "spec.selector", invalid + "spec.template.metadata.labels"}},
		{"deployment empty selector", deploymentStrategy{}, &appsv1.Deployment{ObjectMeta: objMeta("d"),
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{}, Template: validTemplate(appLabels)}},
			[]wantErr{invalid + "spec.selector"}},
		{"deployment restartPolicy", deploymentStrategy{}, func() runtime.Object {
			d := deployment()
			d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
			return d
		}(), []wantErr{notSupported + "spec.template.spec.restartPolicy"}},
		{"deployment negative replicas", deploymentStrategy{}, func() runtime.Object {
			d := deployment()
			d.Spec.Replicas = ptrTo[int32](-1)
			return d
		}(), []wantErr{invalid + "spec.replicas"}},
		{"deployment zero surge and unavailable", deploymentStrategy{}, func() runtime.Object {
			d := deployment()
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: ptrTo(intstr.FromInt32(0)), MaxSurge: ptrTo(intstr.FromInt32(0))}
			return d
		}(), []wantErr{invalid + "spec.strategy.rollingUpdate.maxUnavailable"}},
		{"deployment bad container", deploymentStrategy{}, func() runtime.Object {
			d := deployment()
			d.Spec.Template.Spec.Containers[0].Image = ""
			return d
		}(), []wantErr{required + "spec.template.spec.containers[0].image"}},
		{"replicaset mismatch", replicaSetStrategy{}, &appsv1.ReplicaSet{ObjectMeta: objMeta("r"),
			Spec: appsv1.ReplicaSetSpec{Selector: appSelector(), Template: mismatch(other)}},
			[]wantErr{invalid + "spec.template.metadata.labels"}},
		{"daemonset mismatch", daemonSetStrategy{}, &appsv1.DaemonSet{ObjectMeta: objMeta("ds"),
			Spec: appsv1.DaemonSetSpec{Selector: appSelector(), Template: mismatch(other)}},
			[]wantErr{invalid + "spec.template.metadata.labels"}},
		{"daemonset surge and unavailable", daemonSetStrategy{}, &appsv1.DaemonSet{ObjectMeta: objMeta("ds"),
			Spec: appsv1.DaemonSetSpec{Selector: appSelector(), Template: validTemplate(appLabels), UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxSurge: ptrTo(intstr.FromInt32(1))}}}},
			[]wantErr{invalid + "spec.updateStrategy.rollingUpdate.maxSurge"}},
		{"statefulset valid", statefulSetStrategy{}, statefulSet(), nil},
		{"statefulset mismatch", statefulSetStrategy{}, &appsv1.StatefulSet{ObjectMeta: objMeta("s"),
			Spec: appsv1.StatefulSetSpec{Selector: appSelector(), Template: mismatch(other)}},
			[]wantErr{invalid + "spec.template.metadata.labels"}},
		{"statefulset claim template", statefulSetStrategy{}, func() runtime.Object {
			s := statefulSet()
			s.Spec.VolumeClaimTemplates[0].Spec.AccessModes = nil
			return s
		}(), []wantErr{required + "spec.volumeClaimTemplates[0].spec.accessModes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkErrs(t, create(c.s, c.obj), c.want...) })
	}
}

func TestWorkloadSelectorImmutable(t *testing.T) {
	newSel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "x"}}
	tmpl := validTemplate(map[string]string{"app": "web", "tier": "x"})
	cases := []struct {
		name     string
		s        Strategy
		old, obj runtime.Object
	}{
		{"deployment", deploymentStrategy{}, deployment(), &appsv1.Deployment{ObjectMeta: objMeta("web"), Spec: appsv1.DeploymentSpec{Selector: newSel, Template: tmpl}}},
		{"replicaset", replicaSetStrategy{}, &appsv1.ReplicaSet{ObjectMeta: objMeta("web"), Spec: appsv1.ReplicaSetSpec{Selector: appSelector(), Template: validTemplate(appLabels)}},
			&appsv1.ReplicaSet{ObjectMeta: objMeta("web"), Spec: appsv1.ReplicaSetSpec{Selector: newSel, Template: tmpl}}},
		{"daemonset", daemonSetStrategy{}, &appsv1.DaemonSet{ObjectMeta: objMeta("web"), Spec: appsv1.DaemonSetSpec{Selector: appSelector(), Template: validTemplate(appLabels)}},
			&appsv1.DaemonSet{ObjectMeta: objMeta("web"), Spec: appsv1.DaemonSetSpec{Selector: newSel, Template: tmpl}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			must(t, create(c.s, c.old))
			errs := update(c.s, c.obj, c.old)
			hasErr(t, errs, invalid+"spec.selector", "field is immutable")
		})
	}
}

func TestDeploymentUpdate(t *testing.T) {
	old := deployment()
	must(t, create(deploymentStrategy{}, old))
	old.Generation = 3
	d := old.DeepCopy()
	d.Spec.Replicas = ptrTo[int32](5)
	d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	must(t, update(deploymentStrategy{}, d, old))
	ann := old.DeepCopy()
	ann.Annotations = map[string]string{"a": "b"}
	must(t, update(deploymentStrategy{}, ann, old))
	if ann.Generation != 4 {
		t.Errorf("annotation change: generation = %d, want 4", ann.Generation)
	}
}

func TestStatefulSetUpdate(t *testing.T) {
	old := statefulSet()
	must(t, create(statefulSetStrategy{}, old))
	ok := old.DeepCopy()
	ok.Spec.Replicas = ptrTo[int32](3)
	ok.Spec.Template.Spec.Containers[0].Image = "db:2"
	ok.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
	ok.Spec.MinReadySeconds = 5
	must(t, update(statefulSetStrategy{}, ok, old))
	bad := old.DeepCopy()
	bad.Spec.ServiceName = "other"
	hasErr(t, update(statefulSetStrategy{}, bad, old), forbidden+"spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")
}

func TestReplicationController(t *testing.T) {
	rc := &corev1.ReplicationController{ObjectMeta: objMeta("rc"), Spec: corev1.ReplicationControllerSpec{Template: ptrTo(validTemplate(appLabels))}}
	must(t, create(rcStrategy{}, rc))
	if rc.Spec.Selector["app"] != "web" || rc.Labels["app"] != "web" || *rc.Spec.Replicas != 1 {
		t.Errorf("rc = %+v", rc)
	}
	rc.Spec.Template.Labels["app"] = "changed"
	if rc.Spec.Selector["app"] != "web" {
		t.Errorf("selector aliases the template labels")
	}
	bad := &corev1.ReplicationController{ObjectMeta: objMeta("rc"), Spec: corev1.ReplicationControllerSpec{
		Selector: map[string]string{"app": "x"}, Template: ptrTo(validTemplate(appLabels))}}
	checkErrs(t, create(rcStrategy{}, bad), invalid+"spec.template.metadata.labels")
	if f := (rcStrategy{}).Fields(&corev1.ReplicationController{}); f["status.replicas"] != "0" {
		t.Errorf("fields = %v", f)
	}
}

func TestControllerRevision(t *testing.T) {
	cr := &appsv1.ControllerRevision{ObjectMeta: objMeta("r")}
	checkErrs(t, create(controllerRevisionStrategy{}, cr), required+"data")
	cr.Data = runtime.RawExtension{Raw: []byte(`{"a":1}`)}
	must(t, create(controllerRevisionStrategy{}, cr))
	next := cr.DeepCopy()
	next.Data.Raw = []byte(`{"a":2}`)
	checkErrs(t, update(controllerRevisionStrategy{}, next, cr), invalid+"data")
}

package registry

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func hpa() *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: objMeta("web"), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}, MaxReplicas: 5}}
}

func TestHPADefaults(t *testing.T) {
	h := hpa()
	h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptrTo[int32](60)}}
	must(t, create(hpaStrategy{}, h))
	if *h.Spec.MinReplicas != 1 || len(h.Spec.Metrics) != 1 || *h.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 {
		t.Errorf("spec = %+v", h.Spec)
	}
	b := h.Spec.Behavior
	if len(b.ScaleUp.Policies) != 2 || *b.ScaleUp.StabilizationWindowSeconds != 0 || *b.ScaleUp.SelectPolicy != autoscalingv2.MaxChangePolicySelect {
		t.Errorf("scaleUp = %+v", b.ScaleUp)
	}
	if *b.ScaleDown.StabilizationWindowSeconds != 60 || len(b.ScaleDown.Policies) != 1 || b.ScaleDown.Policies[0].Value != 100 {
		t.Errorf("scaleDown = %+v", b.ScaleDown)
	}
}

func TestHPAValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*autoscalingv2.HorizontalPodAutoscaler)
		want   []wantErr
	}{
		{"valid", func(*autoscalingv2.HorizontalPodAutoscaler) {}, nil},
		{"min over max", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptrTo[int32](6) }, []wantErr{invalid + "spec.maxReplicas"}},
		{"max zero", func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 },
			[]wantErr{invalid + "spec.maxReplicas", invalid + "spec.maxReplicas"}},
		{"no target", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{}
		},
			[]wantErr{required + "spec.scaleTargetRef.kind", required + "spec.scaleTargetRef.name"}},
		{"metric source missing", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.PodsMetricSourceType}}
		}, []wantErr{required + "spec.metrics[0].pods"}},
		{"utilization and value", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			m := cpuUtilizationMetric(50)
			m.Resource.Target.AverageValue = ptrTo(q("100m"))
			h.Spec.Metrics = []autoscalingv2.MetricSpec{m}
		}, []wantErr{forbidden + "spec.metrics[0].resource.target.averageValue"}},
		{"policy", func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
				Policies: []autoscalingv2.HPAScalingPolicy{{Type: "Pods", Value: 0, PeriodSeconds: 4000}}}}
		}, []wantErr{invalid + "spec.behavior.scaleUp.policies[0].value", invalid + "spec.behavior.scaleUp.policies[0].periodSeconds"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := hpa()
			c.mutate(h)
			checkErrs(t, create(hpaStrategy{}, h), c.want...)
		})
	}
}

func TestPDB(t *testing.T) {
	both := &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("p"), Spec: policyv1.PodDisruptionBudgetSpec{
		MinAvailable: ptrTo(intstr.FromInt32(1)), MaxUnavailable: ptrTo(intstr.FromString("150%"))}}
	checkErrs(t, create(pdbStrategy{}, both), invalid+"spec", invalid+"spec.maxUnavailable")
	ok := &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("p"), Spec: policyv1.PodDisruptionBudgetSpec{
		MinAvailable: ptrTo(intstr.FromString("50%")), Selector: appSelector()}}
	must(t, create(pdbStrategy{}, ok))
}

func TestPriorityClass(t *testing.T) {
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000}
	must(t, create(priorityClassStrategy{}, pc))
	if *pc.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("preemptionPolicy = %v", *pc.PreemptionPolicy)
	}
	checkErrs(t, create(priorityClassStrategy{}, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "huge"}, Value: 2000000000}),
		forbidden+"value")
	must(t, create(priorityClassStrategy{}, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "system-cluster-critical"}, Value: 2000000000}))
	checkErrs(t, create(priorityClassStrategy{}, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "system-mine"}, Value: 1}),
		forbidden+"metadata.name")
	next := pc.DeepCopy()
	next.Value = 2000
	checkErrs(t, update(priorityClassStrategy{}, next, pc), forbidden+"value")
	desc := pc.DeepCopy()
	desc.Description = "changed"
	must(t, update(priorityClassStrategy{}, desc, pc))
}

func TestStorageClass(t *testing.T) {
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "example.com/disk", Parameters: map[string]string{"type": "ssd"}}
	must(t, create(storageClassStrategy{}, sc))
	if *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete || *sc.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Errorf("sc = %+v", sc)
	}
	checkErrs(t, create(storageClassStrategy{}, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "x"}}), required+"provisioner")
	next := sc.DeepCopy()
	next.Parameters["type"] = "hdd"
	next.Provisioner = "example.com/other"
	next.ReclaimPolicy = ptrTo(corev1.PersistentVolumeReclaimRetain)
	next.VolumeBindingMode = ptrTo(storagev1.VolumeBindingWaitForFirstConsumer)
	checkErrs(t, update(storageClassStrategy{}, next, sc), forbidden+"parameters", forbidden+"provisioner", forbidden+"reclaimPolicy", invalid+"volumeBindingMode")
}

func TestRBAC(t *testing.T) {
	role := &rbacv1.Role{ObjectMeta: objMeta("r"), Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}},
		{Verbs: []string{"get"}, Resources: []string{"pods"}},
		{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}},
	}}
	checkErrs(t, create(roleStrategy{}, role), required+"rules[1].verbs", required+"rules[2].apiGroups", invalid+"rules[3].nonResourceURLs")
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "cr"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}}}
	must(t, create(clusterRoleStrategy{}, cr))

	rb := &rbacv1.RoleBinding{ObjectMeta: objMeta("rb"), RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "alice"}, {Kind: "ServiceAccount", Name: "default"}, {Kind: "Robot", Name: "x"}}}
	checkErrs(t, create(roleBindingStrategy{}, rb), notSupported+"subjects[2].kind")
	if rb.RoleRef.APIGroup != rbacv1.GroupName || rb.Subjects[0].APIGroup != rbacv1.GroupName || rb.Subjects[1].APIGroup != "" {
		t.Errorf("binding not defaulted: %+v", rb)
	}
	rb.Subjects = rb.Subjects[:2]
	next := rb.DeepCopy()
	next.RoleRef.Name = "other"
	checkErrs(t, update(roleBindingStrategy{}, next, rb), invalid+"roleRef")

	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "crb"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default"}}}
	checkErrs(t, create(clusterRoleBindingStrategy{}, crb), notSupported+"roleRef.kind", required+"subjects[0].namespace")
}

func TestQuotaAndLimits(t *testing.T) {
	rq := &corev1.ResourceQuota{ObjectMeta: objMeta("q"), Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": q("-1")},
		Scopes: []corev1.ResourceQuotaScope{"Weekend"}}}
	checkErrs(t, create(resourceQuotaStrategy{}, rq), invalid+"spec.hard[pods]", invalid+"spec.scopes")

	lr := &corev1.LimitRange{ObjectMeta: objMeta("l"), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer, Max: corev1.ResourceList{"cpu": q("2")}, Min: corev1.ResourceList{"memory": q("64Mi")}}}}}
	must(t, create(limitRangeStrategy{}, lr))
	it := lr.Spec.Limits[0]
	if it.Default.Cpu().String() != "2" || it.DefaultRequest.Cpu().String() != "2" || it.DefaultRequest.Memory().String() != "64Mi" {
		t.Errorf("limit defaults = %+v", it)
	}
	bad := &corev1.LimitRange{ObjectMeta: objMeta("l"), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypeContainer, Max: corev1.ResourceList{"cpu": q("1")}, Min: corev1.ResourceList{"cpu": q("2")}}}}}
	hasErr(t, create(limitRangeStrategy{}, bad), invalid+"spec.limits[0].min[cpu]", "min value 2 is greater than max value 1")
}

func TestLease(t *testing.T) {
	l := &coordinationv1.Lease{ObjectMeta: objMeta("l"), Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptrTo[int32](0), LeaseTransitions: ptrTo[int32](-1)}}
	checkErrs(t, create(leaseStrategy{}, l), invalid+"spec.leaseDurationSeconds", invalid+"spec.leaseTransitions")
}

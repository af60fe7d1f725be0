package registry

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func job() *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: objMeta("pi"), Spec: batchv1.JobSpec{Template: validTemplate(nil)}}
	j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	return j
}

func TestJobDefaultsAndSelector(t *testing.T) {
	j := job()
	must(t, create(jobStrategy{}, j))
	s := j.Spec
	if *s.Completions != 1 || *s.Parallelism != 1 || *s.BackoffLimit != 6 || *s.CompletionMode != batchv1.NonIndexedCompletion ||
		*s.Suspend || *s.ManualSelector || *s.PodReplacementPolicy != batchv1.TerminatingOrFailed {
		t.Errorf("spec = %+v", s)
	}
	uid := string(j.UID)
	want := map[string]string{"batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
		"batch.kubernetes.io/job-name": "pi", "job-name": "pi"}
	for k, v := range want {
		if j.Spec.Template.Labels[k] != v || j.Labels[k] != v {
			t.Errorf("label %s: template %q job %q, want %q", k, j.Spec.Template.Labels[k], j.Labels[k], v)
		}
	}
	if len(s.Selector.MatchLabels) != 1 || s.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] != uid {
		t.Errorf("selector = %v", s.Selector)
	}
}

func TestJobParallelismOnly(t *testing.T) {
	j := job()
	j.Spec.Parallelism = ptrTo[int32](3)
	jobStrategy{}.Default(j)
	if j.Spec.Completions != nil || *j.Spec.Parallelism != 3 {
		t.Errorf("completions %v parallelism %v", j.Spec.Completions, *j.Spec.Parallelism)
	}
}

func TestJobValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*batchv1.Job)
		want   []wantErr
	}{
		{"valid", func(*batchv1.Job) {}, nil},
		{"restartPolicy Always", func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = "" },
			[]wantErr{notSupported + "spec.template.spec.restartPolicy"}},
		{"negative backoff", func(j *batchv1.Job) { j.Spec.BackoffLimit = ptrTo[int32](-1) }, []wantErr{invalid + "spec.backoffLimit"}},
		{"indexed without completions", func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptrTo(batchv1.IndexedCompletion)
			j.Spec.Parallelism = ptrTo[int32](2)
		}, []wantErr{required + "spec.completions"}},
		{"manual selector mismatch", func(j *batchv1.Job) {
			j.Spec.ManualSelector = ptrTo(true)
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}, []wantErr{invalid + "spec.template.metadata.labels"}},
		{"manual selector missing", func(j *batchv1.Job) { j.Spec.ManualSelector = ptrTo(true) },
			[]wantErr{required + "spec.selector", invalid + "spec.template.metadata.labels"}},
		{"wrong generated label", func(j *batchv1.Job) {
			j.Spec.Template.Labels = map[string]string{"controller-uid": "other"}
		}, []wantErr{invalid + "spec.template.metadata.labels[controller-uid]"}},
		{"per-index limits", func(j *batchv1.Job) {
			indexed(j, 4)
			j.Spec.BackoffLimitPerIndex, j.Spec.MaxFailedIndexes = ptrTo[int32](1), ptrTo[int32](2)
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{
				{SucceededIndexes: ptrTo("0,2-3"), SucceededCount: ptrTo[int32](3)}, {SucceededCount: ptrTo[int32](4)}}}
		}, nil},
		{"maxFailedIndexes alone", func(j *batchv1.Job) { indexed(j, 4); j.Spec.MaxFailedIndexes = ptrTo[int32](1) },
			[]wantErr{required + "spec.backoffLimitPerIndex"}},
		{"maxFailedIndexes over completions", func(j *batchv1.Job) {
			indexed(j, 4)
			j.Spec.BackoffLimitPerIndex, j.Spec.MaxFailedIndexes = ptrTo[int32](1), ptrTo[int32](5)
		}, []wantErr{invalid + "spec.maxFailedIndexes"}},
		{"per-index limits on many indexes", func(j *batchv1.Job) {
			indexed(j, 200000)
			j.Spec.BackoffLimitPerIndex, j.Spec.Parallelism = ptrTo[int32](1), ptrTo[int32](20000)
		}, []wantErr{required + "spec.maxFailedIndexes", invalid + "spec.parallelism"}},
		{"negative backoffLimitPerIndex", func(j *batchv1.Job) { indexed(j, 4); j.Spec.BackoffLimitPerIndex = ptrTo[int32](-1) },
			[]wantErr{invalid + "spec.backoffLimitPerIndex"}},
		{"FailIndex without backoffLimitPerIndex", func(j *batchv1.Job) {
			indexed(j, 4)
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionFailIndex,
				OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{1}}}}}
		}, []wantErr{invalid + "spec.podFailurePolicy.rules[0].action"}},
		{"pod failure policy", func(j *batchv1.Job) {
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptrTo(j.Spec.Template.Spec.Containers[0].Name), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{1, 42}}},
				{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
			}}
		}, nil},
		{"pod failure policy errors", func(j *batchv1.Job) {
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
			exit := &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{1}}
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
				{Action: "Retry", OnExitCodes: exit},
				{Action: batchv1.PodFailurePolicyActionCount},
				{Action: batchv1.PodFailurePolicyActionCount, OnExitCodes: exit, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: "X", Status: corev1.ConditionTrue}}},
				{Action: batchv1.PodFailurePolicyActionCount, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
					ContainerName: ptrTo("nope"), Operator: "Between", Values: []int32{5, 3, 3}}},
				{Action: batchv1.PodFailurePolicyActionCount, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{0}}},
				{Action: batchv1.PodFailurePolicyActionCount, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpNotIn}},
				{Action: batchv1.PodFailurePolicyActionCount, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: "bad type!", Status: "Maybe"}}},
			}}
		}, []wantErr{invalid + "spec.template.spec.restartPolicy", notSupported + "spec.podFailurePolicy.rules[0].action",
			invalid + "spec.podFailurePolicy.rules[1]", invalid + "spec.podFailurePolicy.rules[2]",
			invalid + "spec.podFailurePolicy.rules[3].onExitCodes.containerName", notSupported + "spec.podFailurePolicy.rules[3].onExitCodes.operator",
			invalid + "spec.podFailurePolicy.rules[3].onExitCodes.values[1]", duplicate + "spec.podFailurePolicy.rules[3].onExitCodes.values[2]",
			invalid + "spec.podFailurePolicy.rules[4].onExitCodes.values[0]", invalid + "spec.podFailurePolicy.rules[5].onExitCodes.values",
			notSupported + "spec.podFailurePolicy.rules[6].onPodConditions[0].status", invalid + "spec.podFailurePolicy.rules[6].onPodConditions[0].type"}},
		{"successPolicy not indexed", func(j *batchv1.Job) {
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededCount: ptrTo[int32](1)}}}
		}, []wantErr{invalid + "spec.successPolicy"}},
		{"successPolicy without rules", func(j *batchv1.Job) { indexed(j, 4); j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{} },
			[]wantErr{required + "spec.successPolicy.rules"}},
		{"successPolicy bad rules", func(j *batchv1.Job) {
			indexed(j, 4)
			j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{
				{},
				{SucceededIndexes: ptrTo("2,1")},
				{SucceededIndexes: ptrTo("1-4")},
				{SucceededIndexes: ptrTo("x")},
				{SucceededIndexes: ptrTo("0-1"), SucceededCount: ptrTo[int32](3)},
				{SucceededCount: ptrTo[int32](5)},
			}}
		}, []wantErr{required + "spec.successPolicy.rules[0]", invalid + "spec.successPolicy.rules[1].succeededIndexes",
			invalid + "spec.successPolicy.rules[2].succeededIndexes", invalid + "spec.successPolicy.rules[3].succeededIndexes",
			invalid + "spec.successPolicy.rules[4].succeededCount", invalid + "spec.successPolicy.rules[5].succeededCount"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := job()
			c.mutate(j)
			checkErrs(t, create(jobStrategy{}, j), c.want...)
		})
	}
}

func indexed(j *batchv1.Job, completions int32) {
	j.Spec.CompletionMode = ptrTo(batchv1.IndexedCompletion)
	j.Spec.Completions = ptrTo(completions)
}

func TestJobUpdate(t *testing.T) {
	old := job()
	must(t, create(jobStrategy{}, old))
	ok := old.DeepCopy()
	ok.Spec.Parallelism = ptrTo[int32](4)
	ok.Spec.ActiveDeadlineSeconds = ptrTo[int64](100)
	must(t, update(jobStrategy{}, ok, old))

	tmpl := old.DeepCopy()
	tmpl.Spec.Template.Spec.Containers[0].Image = "other"
	checkErrs(t, update(jobStrategy{}, tmpl, old), invalid+"spec.template")

	comp := old.DeepCopy()
	comp.Spec.Completions = ptrTo[int32](5)
	checkErrs(t, update(jobStrategy{}, comp, old), invalid+"spec.completions")

	sel := old.DeepCopy()
	sel.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] = "x"
	hasErr(t, update(jobStrategy{}, sel, old), invalid+"spec.selector", "field is immutable")
}

func TestSuspendedJobMayMoveItsPods(t *testing.T) {
	old := job()
	old.Spec.Suspend = ptrTo(true)
	must(t, create(jobStrategy{}, old))
	next := old.DeepCopy()
	next.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
	next.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
	must(t, update(jobStrategy{}, next, old))
}

func TestJobFields(t *testing.T) {
	if f := (jobStrategy{}).Fields(&batchv1.Job{}); f["status.successful"] != "0" {
		t.Errorf("fields = %v", f)
	}
}

func cronJob(schedule string) *batchv1.CronJob {
	cj := &batchv1.CronJob{ObjectMeta: objMeta("nightly"), Spec: batchv1.CronJobSpec{Schedule: schedule,
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: validTemplate(nil)}}}}
	cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	return cj
}

func TestCronJobDefaults(t *testing.T) {
	cj := cronJob("*/5 * * * *")
	must(t, create(cronJobStrategy{}, cj))
	s := cj.Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("spec = %+v", s)
	}
	if s.JobTemplate.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Errorf("pod template not defaulted")
	}
}

func TestCronJobValidation(t *testing.T) {
	cases := []struct {
		name string
		cj   *batchv1.CronJob
		want []wantErr
	}{
		{"valid", cronJob("0 3 * * 1-5"), nil},
		{"macro", cronJob("@daily"), nil},
		{"empty schedule", cronJob(""), []wantErr{required + "spec.schedule"}},
		{"bad schedule", cronJob("61 * * * *"), []wantErr{invalid + "spec.schedule"}},
		{"TZ in schedule", cronJob("TZ=UTC 0 * * * *"), []wantErr{invalid + "spec.schedule"}},
		{"bad timezone", func() *batchv1.CronJob {
			c := cronJob("0 * * * *")
			c.Spec.TimeZone = ptrTo("Mars/Olympus")
			return c
		}(), []wantErr{invalid + "spec.timeZone"}},
		{"selector set", func() *batchv1.CronJob {
			c := cronJob("0 * * * *")
			c.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{}
			return c
		}(), []wantErr{invalid + "spec.jobTemplate.spec.selector"}},
		{"restartPolicy", func() *batchv1.CronJob {
			c := cronJob("0 * * * *")
			c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
			return c
		}(), []wantErr{notSupported + "spec.jobTemplate.spec.template.spec.restartPolicy"}},
		{"long name", func() *batchv1.CronJob {
			c := cronJob("0 * * * *")
			c.Name = "a123456789a123456789a123456789a123456789a123456789abc"
			return c
		}(), []wantErr{invalid + "metadata.name"}},
		{"concurrency", func() *batchv1.CronJob {
			c := cronJob("0 * * * *")
			c.Spec.ConcurrencyPolicy = "Sometimes"
			return c
		}(), []wantErr{notSupported + "spec.concurrencyPolicy"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkErrs(t, create(cronJobStrategy{}, c.cj), c.want...) })
	}
}

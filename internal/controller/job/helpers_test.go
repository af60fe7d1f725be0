package job

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// testJob is a defaulted job (as the API server stores it).
func testJob(mutate ...func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: "ns", UID: "job-uid"},
		Spec: batchv1.JobSpec{
			Completions: ptr[int32](3), Parallelism: ptr[int32](2), BackoffLimit: ptr[int32](6),
			CompletionMode: ptr(batchv1.NonIndexedCompletion), Suspend: ptr(false),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: "job-uid"}},
			Template: v1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{batchv1.ControllerUidLabel: "job-uid", batchv1.JobNameLabel: "j"}},
				Spec:       v1.PodSpec{RestartPolicy: v1.RestartPolicyNever, Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
	for _, m := range mutate {
		m(j)
	}
	return j
}

// testPod is a pod of testJob in a phase, with the tracking finalizer.
func testPod(name string, phase v1.PodPhase, mutate ...func(*v1.Pod)) *v1.Pod {
	j := testJob()
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: types.UID(name + "-uid"),
			Labels:            map[string]string{batchv1.ControllerUidLabel: "job-uid"},
			Finalizers:        []string{batchv1.JobTrackingFinalizer},
			OwnerReferences:   []metav1.OwnerReference{*metav1.NewControllerRef(j, jobKind)},
			CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour)),
		},
		Status: v1.PodStatus{Phase: phase},
	}
	for _, m := range mutate {
		m(p)
	}
	return p
}

func withIndex(i int) func(*v1.Pod) {
	return func(p *v1.Pod) {
		p.Annotations = map[string]string{batchv1.JobCompletionIndexAnnotation: fmt.Sprint(i)}
	}
}

func exited(code int32, at time.Time) func(*v1.Pod) {
	return func(p *v1.Pod) {
		p.Status.ContainerStatuses = []v1.ContainerStatus{{Name: "c", State: v1.ContainerState{
			Terminated: &v1.ContainerStateTerminated{ExitCode: code, FinishedAt: metav1.NewTime(at)}}}}
	}
}

func deleted(p *v1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: t0} }

func ready(p *v1.Pod) {
	p.Status.Conditions = append(p.Status.Conditions, v1.PodCondition{Type: v1.PodReady, Status: v1.ConditionTrue})
}

func hasTrackingFinalizer(p *v1.Pod) bool { return hasFinalizer(p) }

func names(ps []*v1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func decideAt(j *batchv1.Job, now time.Time, ps ...*v1.Pod) plan {
	return decide(input{job: j, pods: ps, tracked: hasTrackingFinalizer, now: now, canManage: true})
}

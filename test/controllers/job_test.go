package controllers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// newTestJob is a job whose pods run the simulated busybox with the given
// sim.orca.dev annotations.
func newTestJob(name string, sim map[string]string, mutate func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Annotations: sim},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "main", Image: "busybox:1.36"}},
				},
			},
		},
	}
	if mutate != nil {
		mutate(j)
	}
	return j
}

// indexedJob makes j an Indexed Job of completions and parallelism.
func indexedJob(j *batchv1.Job, completions, parallelism int32) {
	mode := batchv1.IndexedCompletion
	j.Spec.CompletionMode = &mode
	j.Spec.Completions, j.Spec.Parallelism = &completions, &parallelism
}

func createJob(t *testing.T, ns string, j *batchv1.Job) *batchv1.Job {
	t.Helper()
	out, err := client.BatchV1().Jobs(ns).Create(baseCtx, j, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func getJob(t *testing.T, ns, name string) *batchv1.Job {
	t.Helper()
	j, err := client.BatchV1().Jobs(ns).Get(baseCtx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func jobCondition(j *batchv1.Job, ct batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == ct && j.Status.Conditions[i].Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

// waitJobCondition waits for a true condition and returns the job.
func waitJobCondition(t *testing.T, ns, name string, ct batchv1.JobConditionType, timeout time.Duration) *batchv1.Job {
	t.Helper()
	var j *batchv1.Job
	poll(t, timeout, fmt.Sprintf("job %s condition %s", name, ct), func() bool {
		j = getJob(t, ns, name)
		return jobCondition(j, ct) != nil
	})
	return j
}

func jobPods(t *testing.T, ns string, j *batchv1.Job) []corev1.Pod {
	t.Helper()
	list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{LabelSelector: batchv1.ControllerUidLabel + "=" + string(j.UID)})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// jobEvents are the reasons and messages of the events on an object.
func objectEvents(t *testing.T, ns, name string) string {
	t.Helper()
	list, err := client.CoreV1().Events(ns).List(baseCtx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range list.Items {
		fmt.Fprintf(&b, "%s %s: %s\n", e.Type, e.Reason, e.Message)
	}
	return b.String()
}

func waitEvent(t *testing.T, ns, name, want string) {
	t.Helper()
	poll(t, 20*time.Second, fmt.Sprintf("event %q on %s", want, name), func() bool {
		return strings.Contains(objectEvents(t, ns, name), want)
	})
}

// Completions 3, parallelism 2: never more than two pods run, three
// succeed, and kubectl wait sees the Complete condition.
func TestJobCompletionsParallelism(t *testing.T) {
	ns := newNamespace(t)
	j := createJob(t, ns, newTestJob("pi", map[string]string{"sim.orca.dev/run-for": "1s"}, func(j *batchv1.Job) {
		j.Spec.Completions, j.Spec.Parallelism = jobPtr[int32](3), jobPtr[int32](2)
	}))
	stop := make(chan struct{})
	maxActive := make(chan int, 1)
	go func() {
		most := 0
		for {
			select {
			case <-stop:
				maxActive <- most
				return
			case <-time.After(20 * time.Millisecond):
			}
			list, err := client.CoreV1().Pods(ns).List(baseCtx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			n := 0
			for _, p := range list.Items {
				if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil {
					n++
				}
			}
			most = max(most, n)
		}
	}()
	mustKubectl(t, "wait", "-n", ns, "--for=condition=complete", "--timeout=60s", "job/pi")
	close(stop)
	if most := <-maxActive; most > 2 {
		t.Errorf("%d pods ran at once, want at most parallelism 2", most)
	}
	j = getJob(t, ns, "pi")
	if j.Status.Succeeded != 3 || j.Status.Failed != 0 || j.Status.Active != 0 || j.Status.CompletionTime == nil || j.Status.StartTime == nil {
		t.Errorf("status %+v, want succeeded 3, failed 0, active 0, start and completion times", j.Status)
	}
	if c := jobCondition(j, batchv1.JobSuccessCriteriaMet); c == nil || c.Reason != "CompletionsReached" {
		t.Errorf("conditions %+v, want SuccessCriteriaMet CompletionsReached", j.Status.Conditions)
	}
	u := j.Status.UncountedTerminatedPods
	if u == nil || len(u.Succeeded)+len(u.Failed) != 0 {
		t.Errorf("uncountedTerminatedPods %+v, want empty", u)
	}
	ps := jobPods(t, ns, j)
	if len(ps) != 3 {
		t.Errorf("%d pods, want 3", len(ps))
	}
	for _, p := range ps {
		if len(p.Finalizers) != 0 || p.Labels[batchv1.JobNameLabel] != "pi" || !strings.HasPrefix(p.Name, "pi-") {
			t.Errorf("pod %s: finalizers %v labels %v, want no finalizer and the job-name label", p.Name, p.Finalizers, p.Labels)
		}
	}
	waitEvent(t, ns, "pi", "Normal Completed: Job completed")
	waitEvent(t, ns, "pi", "Normal SuccessfulCreate: Created pod: pi-")
	out := mustKubectl(t, "get", "job", "pi", "-n", ns)
	if !strings.Contains(out, "3/3") {
		t.Errorf("kubectl get job: want COMPLETIONS 3/3:\n%s", out)
	}
}

// Pods that keep failing exhaust backoffLimit 1: two failures, the second
// pod created only after the 10 s back-off, then Failed with
// BackoffLimitExceeded.
func TestJobBackoffLimitExceeded(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("fail", map[string]string{"sim.orca.dev/exit-code": "1"}, func(j *batchv1.Job) {
		j.Spec.BackoffLimit = jobPtr[int32](1)
	}))
	j := waitJobCondition(t, ns, "fail", batchv1.JobFailed, 60*time.Second)
	c := jobCondition(j, batchv1.JobFailed)
	if c.Reason != "BackoffLimitExceeded" || c.Message != "Job has reached the specified backoff limit" {
		t.Errorf("Failed condition %+v, want BackoffLimitExceeded", c)
	}
	if jobCondition(j, batchv1.JobFailureTarget) == nil {
		t.Errorf("conditions %+v, want FailureTarget too", j.Status.Conditions)
	}
	if j.Status.Failed != 2 || j.Status.Succeeded != 0 || j.Status.Active != 0 || j.Status.CompletionTime != nil {
		t.Errorf("status %+v, want failed 2, active 0, no completion time", j.Status)
	}
	ps := jobPods(t, ns, j)
	if len(ps) != 2 {
		t.Fatalf("%d pods, want 2", len(ps))
	}
	gap := ps[0].CreationTimestamp.Sub(ps[1].CreationTimestamp.Time)
	if gap < 0 {
		gap = -gap
	}
	if gap < 9*time.Second {
		t.Errorf("second pod created %v after the first, want the 10 s back-off", gap)
	}
	waitEvent(t, ns, "fail", "Warning BackoffLimitExceeded: Job has reached the specified backoff limit")
}

// activeDeadlineSeconds fails a job still running, and its pods go.
func TestJobActiveDeadline(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("slow", map[string]string{"sim.orca.dev/run-for": "10m"}, func(j *batchv1.Job) {
		j.Spec.ActiveDeadlineSeconds = jobPtr[int64](2)
		j.Spec.Parallelism = jobPtr[int32](2)
		j.Spec.Completions = jobPtr[int32](4)
	}))
	j := waitJobCondition(t, ns, "slow", batchv1.JobFailed, 30*time.Second)
	if c := jobCondition(j, batchv1.JobFailed); c.Reason != "DeadlineExceeded" || c.Message != "Job was active longer than specified deadline" {
		t.Errorf("Failed condition %+v, want DeadlineExceeded", c)
	}
	if took := jobCondition(j, batchv1.JobFailed).LastTransitionTime.Sub(j.Status.StartTime.Time); took < 2*time.Second {
		t.Errorf("failed %v after start, want at least the 2 s deadline", took)
	}
	if j.Status.Active != 0 || j.Status.Failed != 2 {
		t.Errorf("status %+v, want active 0 and the 2 killed pods failed", j.Status)
	}
	poll(t, 30*time.Second, "pods of the failed job gone", func() bool {
		for _, p := range jobPods(t, ns, j) {
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				return false
			}
		}
		return true
	})
	waitEvent(t, ns, "slow", "Warning DeadlineExceeded")
}

// An Indexed job gives each pod its index (annotation, label, hostname,
// JOB_COMPLETION_INDEX) and reports completedIndexes as ranges.
func TestJobIndexed(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("ix", map[string]string{"sim.orca.dev/run-for": "500ms"}, func(j *batchv1.Job) {
		indexedJob(j, 4, 2)
	}))
	j := waitJobCondition(t, ns, "ix", batchv1.JobComplete, 60*time.Second)
	if j.Status.CompletedIndexes != "0-3" || j.Status.Succeeded != 4 {
		t.Errorf("completedIndexes %q succeeded %d, want \"0-3\" and 4", j.Status.CompletedIndexes, j.Status.Succeeded)
	}
	seen := map[string]bool{}
	for _, p := range jobPods(t, ns, j) {
		ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		seen[ix] = true
		if p.Labels[batchv1.JobCompletionIndexAnnotation] != ix || p.Spec.Hostname != "ix-"+ix || !strings.HasPrefix(p.Name, "ix-"+ix+"-") {
			t.Errorf("pod %s: index label %q, hostname %q; want index %s everywhere", p.Name, p.Labels[batchv1.JobCompletionIndexAnnotation], p.Spec.Hostname, ix)
		}
		env := p.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" || env[0].ValueFrom == nil || env[0].ValueFrom.FieldRef == nil ||
			env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
			t.Errorf("pod %s env %+v, want JOB_COMPLETION_INDEX from the annotation", p.Name, env)
		}
	}
	for i := 0; i < 4; i++ {
		if !seen[fmt.Sprint(i)] {
			t.Errorf("no pod with index %d: %v", i, seen)
		}
	}
}

// Suspend deletes the running pods without counting them as failures;
// resume starts them again and resets startTime.
func TestJobSuspendResume(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("sus", map[string]string{"sim.orca.dev/run-for": "10m"}, func(j *batchv1.Job) {
		j.Spec.Suspend = jobPtr(true)
		j.Spec.Parallelism, j.Spec.Completions = jobPtr[int32](2), jobPtr[int32](2)
	}))
	j := waitJobCondition(t, ns, "sus", batchv1.JobSuspended, 20*time.Second)
	if c := jobCondition(j, batchv1.JobSuspended); c.Reason != "JobSuspended" || j.Status.StartTime != nil {
		t.Errorf("suspended job: condition %+v startTime %v, want JobSuspended and no start time", c, j.Status.StartTime)
	}
	if ps := jobPods(t, ns, j); len(ps) != 0 {
		t.Fatalf("suspended job has %d pods", len(ps))
	}
	patchJob(t, ns, "sus", `{"spec":{"suspend":false}}`)
	poll(t, 30*time.Second, "resumed job runs 2 pods", func() bool {
		j = getJob(t, ns, "sus")
		return j.Status.Active == 2 && j.Status.Ready != nil && *j.Status.Ready == 2
	})
	c := findJobCondition(j, batchv1.JobSuspended)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != "JobResumed" || j.Status.StartTime == nil {
		t.Errorf("resumed: condition %+v startTime %v, want Suspended False JobResumed and a start time", c, j.Status.StartTime)
	}
	patchJob(t, ns, "sus", `{"spec":{"suspend":true}}`)
	poll(t, 30*time.Second, "suspended again: no pods left", func() bool {
		j = getJob(t, ns, "sus")
		return j.Status.Active == 0 && len(jobPods(t, ns, j)) == 0 && jobCondition(j, batchv1.JobSuspended) != nil
	})
	if j.Status.Failed != 0 || j.Status.Succeeded != 0 {
		t.Errorf("status %+v, want the suspended pods counted neither failed nor succeeded", j.Status)
	}
	waitEvent(t, ns, "sus", "Normal Resumed: Job resumed")
	waitEvent(t, ns, "sus", "Normal SuccessfulDelete: Deleted pod: sus-")
}

func findJobCondition(j *batchv1.Job, ct batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == ct {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func patchJob(t *testing.T, ns, name, patch string) {
	t.Helper()
	if _, err := client.BatchV1().Jobs(ns).Patch(baseCtx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// ttlSecondsAfterFinished deletes the finished job, not before.
func TestJobTTLAfterFinished(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("ttl", map[string]string{"sim.orca.dev/exit-code": "0"}, func(j *batchv1.Job) {
		j.Spec.TTLSecondsAfterFinished = jobPtr[int32](3)
	}))
	waitJobCondition(t, ns, "ttl", batchv1.JobComplete, 30*time.Second)
	job, err := client.BatchV1().Jobs(ns).Get(baseCtx, "ttl", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.CompletionTime == nil {
		t.Fatal("a completed job without completionTime")
	}
	// The TTL counts from the stored completion time (whole seconds, as
	// upstream), not from when this test saw the condition.
	expires := job.Status.CompletionTime.Add(3 * time.Second)
	poll(t, 30*time.Second, "finished job deleted after its TTL", func() bool {
		_, err := client.BatchV1().Jobs(ns).Get(baseCtx, "ttl", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
	if early := time.Until(expires); early > 0 {
		t.Errorf("job deleted %v before completionTime + 3 s TTL", early)
	}
}

// A FailJob rule on an exit code fails the job at the first such failure,
// whatever the backoffLimit.
func TestJobPodFailurePolicyFailJob(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("pfp", map[string]string{"sim.orca.dev/exit-code": "42"}, func(j *batchv1.Job) {
		j.Spec.BackoffLimit = jobPtr[int32](6)
		j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
			{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
			{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
		}}
	}))
	j := waitJobCondition(t, ns, "pfp", batchv1.JobFailed, 30*time.Second)
	c := jobCondition(j, batchv1.JobFailed)
	if c.Reason != "PodFailurePolicy" || !strings.Contains(c.Message, "failed with exit code 42 matching FailJob rule at index 1") {
		t.Errorf("Failed condition %+v, want PodFailurePolicy matching rule 1", c)
	}
	if j.Status.Failed != 1 || len(jobPods(t, ns, j)) != 1 {
		t.Errorf("status %+v, want exactly one failed pod", j.Status)
	}
}

// A job without completions is a work queue: done when one pod succeeded
// and all finished.
func TestJobWorkQueue(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("wq", map[string]string{"sim.orca.dev/run-for": "1s"}, func(j *batchv1.Job) {
		j.Spec.Parallelism = jobPtr[int32](3)
	}))
	j := waitJobCondition(t, ns, "wq", batchv1.JobComplete, 60*time.Second)
	if j.Status.Succeeded != 3 || len(jobPods(t, ns, j)) != 3 {
		t.Errorf("status %+v, want the 3 pods succeeded and no more created", j.Status)
	}
}

func jobPtr[T any](v T) *T { return &v }

// A running pod deleted by a user counts as a failure (its tracking
// finalizer lets the job see it even after deletion), the pod goes away,
// and a replacement starts after the back-off.
func TestJobDeletedPodCountedAndReplaced(t *testing.T) {
	ns := newNamespace(t)
	j := createJob(t, ns, newTestJob("del", map[string]string{"sim.orca.dev/run-for": "10m"}, nil))
	var first corev1.Pod
	poll(t, 20*time.Second, "a running pod", func() bool {
		ps := jobPods(t, ns, j)
		if len(ps) == 1 && ps[0].Status.Phase == corev1.PodRunning {
			first = ps[0]
			return true
		}
		return false
	})
	if len(first.Finalizers) != 1 || first.Finalizers[0] != batchv1.JobTrackingFinalizer {
		t.Errorf("pod finalizers %v, want the tracking finalizer", first.Finalizers)
	}
	deletedAt := time.Now()
	if err := client.CoreV1().Pods(ns).Delete(baseCtx, first.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "the deleted pod counted as failed and gone", func() bool {
		j = getJob(t, ns, "del")
		_, err := client.CoreV1().Pods(ns).Get(baseCtx, first.Name, metav1.GetOptions{})
		return j.Status.Failed == 1 && apierrors.IsNotFound(err)
	})
	var second corev1.Pod
	poll(t, 30*time.Second, "a replacement pod", func() bool {
		for _, p := range jobPods(t, ns, j) {
			if p.Name != first.Name && p.DeletionTimestamp == nil {
				second = p
				return true
			}
		}
		return false
	})
	// Timestamps have whole seconds: allow one.
	if gap := second.CreationTimestamp.Sub(deletedAt); gap < 9*time.Second {
		t.Errorf("replacement %s created %v after the deletion, want the 10 s back-off\n%s", second.Name, gap, objectEvents(t, ns, "del"))
	}
}

// backoffLimitPerIndex: each index retries on its own budget, its pods
// carrying the index's failure count; an index past it fails for good,
// and once every index succeeded or failed the job fails with
// FailedIndexes.
func TestJobBackoffLimitPerIndex(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("perix", map[string]string{"sim.orca.dev/exit-code": "1"}, func(j *batchv1.Job) {
		indexedJob(j, 2, 2)
		j.Spec.BackoffLimitPerIndex = jobPtr[int32](1)
	}))
	j := waitJobCondition(t, ns, "perix", batchv1.JobFailed, 60*time.Second)
	if c := jobCondition(j, batchv1.JobFailed); c.Reason != "FailedIndexes" || c.Message != "Job has failed indexes" {
		t.Errorf("Failed condition %+v, want FailedIndexes", c)
	}
	if j.Status.FailedIndexes == nil || *j.Status.FailedIndexes != "0-1" || j.Status.Failed != 4 || j.Status.CompletedIndexes != "" {
		t.Errorf("status %+v, want failedIndexes 0-1 after 4 failed pods", j.Status)
	}
	if *j.Spec.BackoffLimit != 1<<31-1 {
		t.Errorf("backoffLimit defaulted to %d, want MaxInt32 with backoffLimitPerIndex", *j.Spec.BackoffLimit)
	}
	counts := map[string][]string{}
	for _, p := range jobPods(t, ns, j) {
		ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		counts[ix] = append(counts[ix], p.Annotations[batchv1.JobIndexFailureCountAnnotation])
	}
	for _, ix := range []string{"0", "1"} {
		c := counts[ix]
		if len(c) != 2 || !(c[0] == "0" && c[1] == "1" || c[0] == "1" && c[1] == "0") {
			t.Errorf("index %s: pods with failure counts %v, want one with 0 and its replacement with 1", ix, c)
		}
	}
}

// A successPolicy completes an Indexed job once its rule holds, with the
// rule in the Complete condition, and starts no more pods.
func TestJobSuccessPolicy(t *testing.T) {
	ns := newNamespace(t)
	createJob(t, ns, newTestJob("leader", map[string]string{"sim.orca.dev/run-for": "200ms"}, func(j *batchv1.Job) {
		indexedJob(j, 3, 1)
		first := "0"
		j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: &first}}}
	}))
	j := waitJobCondition(t, ns, "leader", batchv1.JobComplete, 60*time.Second)
	for _, ct := range []batchv1.JobConditionType{batchv1.JobSuccessCriteriaMet, batchv1.JobComplete} {
		if c := jobCondition(j, ct); c == nil || c.Reason != "SuccessPolicy" || c.Message != "Matched rules at index 0" {
			t.Errorf("%s condition %+v, want SuccessPolicy, rule 0", ct, c)
		}
	}
	if j.Status.CompletedIndexes != "0" || j.Status.Succeeded != 1 || len(jobPods(t, ns, j)) != 1 {
		t.Errorf("status %+v, want only index 0 run and succeeded", j.Status)
	}
}

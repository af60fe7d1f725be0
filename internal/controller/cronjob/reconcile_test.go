package cronjob

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	"orca/internal/controller/deps"
)

// With a fake clock: nothing before the schedule time, a requeue exactly
// for it, then the job and the status; a finished job leaves active.
func TestCronJobReconcileStepsClock(t *testing.T) {
	ctx := context.Background()
	cj := testCronJob("* * * * *", func(cj *batchv1.CronJob) { cj.CreationTimestamp = metav1.NewTime(t0.Add(-30 * time.Second)) })
	client := fake.NewClientset(cj)
	inf := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	clk := clocktesting.NewFakeClock(t0.Add(-30 * time.Second))
	c, err := newController(&deps.Deps{Client: client, Informers: inf, Recorder: func(string) record.EventRecorder { return rec }}, clk)
	if err != nil {
		t.Fatal(err)
	}
	cjs := inf.Batch().V1().CronJobs().Informer().GetIndexer()
	jobs := inf.Batch().V1().Jobs().Informer().GetIndexer()
	cjs.Add(cj)

	after, err := c.Reconcile(ctx, "ns/cj")
	if err != nil || after != 30*time.Second+nextDelta {
		t.Fatalf("requeue %v err %v, want 30.1s", after, err)
	}
	if l, _ := client.BatchV1().Jobs("ns").List(ctx, metav1.ListOptions{}); len(l.Items) != 0 {
		t.Fatalf("%d jobs before the schedule time", len(l.Items))
	}

	clk.Step(after)
	if after, err = c.Reconcile(ctx, "ns/cj"); err != nil || after != 60*time.Second {
		t.Errorf("requeue %v err %v, want the next minute", after, err)
	}
	name := fmt.Sprintf("cj-%d", t0.Unix()/60)
	j, err := client.BatchV1().Jobs("ns").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("job %s: %v", name, err)
	}
	got, _ := client.BatchV1().CronJobs("ns").Get(ctx, "cj", metav1.GetOptions{})
	if len(got.Status.Active) != 1 || got.Status.Active[0].Name != name || !got.Status.LastScheduleTime.Time.Equal(t0) {
		t.Errorf("status %+v, want the job active and lastScheduleTime %v", got.Status, t0)
	}
	if ev := <-rec.Events; ev != "Normal SuccessfulCreate Created job "+name {
		t.Errorf("event %q", ev)
	}

	// The job completes.
	j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: "True"}}
	j.Status.CompletionTime = &metav1.Time{Time: t0.Add(10 * time.Second)}
	jobs.Add(j)
	cjs.Update(got)
	clk.Step(10 * time.Second)
	if _, err := c.Reconcile(ctx, "ns/cj"); err != nil {
		t.Fatal(err)
	}
	got, _ = client.BatchV1().CronJobs("ns").Get(ctx, "cj", metav1.GetOptions{})
	if len(got.Status.Active) != 0 || got.Status.LastSuccessfulTime == nil {
		t.Errorf("status %+v, want no active job and a lastSuccessfulTime", got.Status)
	}
	if ev := <-rec.Events; !strings.HasPrefix(ev, "Normal SawCompletedJob Saw completed job: "+name) {
		t.Errorf("event %q", ev)
	}
}

package prober

import (
	"errors"
	"reflect"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const tenSeconds = 10 * time.Second

// probeSeq adds a one-probe pod and feeds the probe one answer per tick (the
// first at AddPod), calling check after each step.
func probeSeq(h *harness, pod *v1.Pod, name string, answers []Result, check func(i int)) {
	for i, a := range answers {
		h.runner.set(name, a)
		if i == 0 {
			h.add(pod, 1)
		} else {
			h.tick(tenSeconds, 1)
		}
		check(i)
	}
}

// runningC1 makes container "c" of pod uid "u" running since now as "c1".
func runningC1(h *harness) {
	h.state.set("u", "c", "c1", h.clock.Now(), true)
}

func TestReadinessThresholds(t *testing.T) {
	S, F := Success, Failure
	cases := []struct {
		name          string
		success, fail int32
		answers       []Result
		want          []bool
	}{
		{"defaults", 0, 0, []Result{S, F, F, F, S}, []bool{true, true, true, false, true}},
		{"failure threshold 1", 1, 1, []Result{S, F, S}, []bool{true, false, true}},
		{"success threshold 2", 2, 1, []Result{S, S, F, S, S}, []bool{false, true, false, false, true}},
		{"interrupted failures do not add up", 1, 3, []Result{S, F, F, S, F, F}, []bool{true, true, true, true, true, true}},
		{"never succeeded", 1, 3, []Result{F, F, F, F}, []bool{false, false, false, false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			runningC1(h)
			pod := testPod("u", ctr("c", withProbe("readiness", passAfter(tc.success), failAfter(tc.fail))))
			probeSeq(h, pod, "c/readiness", tc.answers, func(i int) {
				if got := h.m.Ready("u", "c1"); got != tc.want[i] {
					t.Fatalf("after probe %d (%v): Ready = %v, want %v", i+1, tc.answers[i], got, tc.want[i])
				}
			})
		})
	}
}

func TestLivenessThresholds(t *testing.T) {
	S, F := Success, Failure
	cases := []struct {
		name          string
		success, fail int32
		answers       []Result
		wantKills     []int
	}{
		{"defaults kill on the third failure", 0, 0, []Result{F, F, F}, []int{0, 0, 1}},
		{"failure threshold 1", 0, 1, []Result{S, F}, []int{0, 1}},
		{"interrupted failures do not add up", 0, 3, []Result{F, F, S, F, F}, []int{0, 0, 0, 0, 0}},
		{"success threshold is 1 for liveness", 5, 2, []Result{F, S, F, F}, []int{0, 0, 0, 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			runningC1(h)
			pod := testPod("u", ctr("c", withProbe("liveness", passAfter(tc.success), failAfter(tc.fail))))
			probeSeq(h, pod, "c/liveness", tc.answers, func(i int) {
				if got := len(h.killList()); got != tc.wantKills[i] {
					t.Fatalf("after probe %d: %d kills, want %d", i+1, got, tc.wantKills[i])
				}
			})
		})
	}
}

func TestInitialDelay(t *testing.T) {
	cases := []struct {
		name       string
		delay      int32
		startedAgo time.Duration
		wantCalls  []int // after AddPod, then after each 10s tick
	}{
		{"no delay", 0, 0, []int{1, 2, 3, 4}},
		{"delay of one period", 10, 0, []int{0, 1, 2, 3}},
		{"delay between periods", 15, 0, []int{0, 0, 1, 2}},
		{"delay measured from container start", 15, 30 * time.Second, []int{1, 2, 3, 4}},
		{"partly elapsed", 15, 9 * time.Second, []int{0, 1, 2, 3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.state.set("u", "c", "c1", h.clock.Now().Add(-tc.startedAgo), true)
			h.runner.set("c/readiness", Success)
			h.add(testPod("u", ctr("c", withProbe("readiness", period(10), delay(tc.delay)))), 1)
			for i, want := range tc.wantCalls {
				if i > 0 {
					h.tick(tenSeconds, 1)
				}
				if got := h.runner.count("c/readiness"); got != want {
					t.Fatalf("step %d: %d probes, want %d", i, got, want)
				}
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.add(testPod("u", ctr("c", withProbe("liveness", period(5)))), 1)
	h.clock.Step(3 * time.Second)
	h.expectNoSteps()
	h.tick(2*time.Second, 1)
	if got := h.runner.count("c/liveness"); got != 2 {
		t.Fatalf("after 5s: %d probes, want 2", got)
	}
	h.tick(5*time.Second, 1)
	if got := h.runner.count("c/liveness"); got != 3 {
		t.Fatalf("after 10s: %d probes, want 3", got)
	}
}

func TestDefaultPeriodIsTenSeconds(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.add(testPod("u", ctr("c", withProbe("liveness"))), 1)
	h.clock.Step(9 * time.Second)
	h.expectNoSteps()
	h.tick(time.Second, 1)
	if got := h.runner.count("c/liveness"); got != 2 {
		t.Fatalf("%d probes, want 2", got)
	}
}

// Startup runs every 5s, the others every 10s, so each tick says exactly
// which workers step.
func TestStartupGatesLivenessAndReadiness(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/startup", Failure)
	h.runner.set("c/liveness", Success)
	h.runner.set("c/readiness", Success)
	pod := testPod("u", ctr("c",
		withProbe("startup", period(5), failAfter(30)),
		withProbe("liveness", period(10)),
		withProbe("readiness", period(10)),
	))
	h.add(pod, 3)
	calls := func() [3]int {
		return [3]int{h.runner.count("c/startup"), h.runner.count("c/liveness"), h.runner.count("c/readiness")}
	}
	if got := calls(); got != [3]int{1, 0, 0} {
		t.Fatalf("while starting: calls %v", got)
	}
	if h.m.Started("u", "c1") || h.m.Ready("u", "c1") {
		t.Fatal("started or ready before the startup probe passed")
	}

	h.runner.set("c/startup", Success)
	h.tick(5*time.Second, 1)
	if !h.m.Started("u", "c1") {
		t.Fatal("not started after the startup probe passed")
	}
	if h.m.Ready("u", "c1") {
		t.Fatal("ready before the readiness probe ran")
	}

	h.tick(5*time.Second, 3)
	if got := calls(); got != [3]int{2, 1, 1} {
		t.Fatalf("after startup: calls %v, want startup stopped, others probing", got)
	}
	if !h.m.Ready("u", "c1") {
		t.Fatal("not ready after readiness passed")
	}
	h.tick(5*time.Second, 1) // startup only
	h.tick(5*time.Second, 3)
	if got := calls(); got != [3]int{2, 2, 2} {
		t.Fatalf("later: calls %v", got)
	}
}

func TestStartupFailureKills(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/startup", Failure)
	h.add(testPod("u", ctr("c", withProbe("startup", failAfter(2)), withProbe("liveness"))), 2)
	h.tick(tenSeconds, 2)
	want := []kill{{"c", "c1", "Container c failed startup probe, will be restarted"}}
	if got := h.killList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("kills = %v, want %v", got, want)
	}
	if got := h.runner.count("c/liveness"); got != 0 {
		t.Fatalf("liveness ran %d times before startup passed", got)
	}
	msg, failed := h.m.LivenessFailed("u", "c1")
	if !failed || msg != want[0].message {
		t.Fatalf("LivenessFailed = %q, %v", msg, failed)
	}
}

func TestLivenessFailureOncePerContainer(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/liveness", Failure)
	h.add(testPod("u", ctr("c", withProbe("liveness", failAfter(1)))), 1)
	h.tick(tenSeconds, 1)
	h.tick(tenSeconds, 1)
	if got := h.runner.count("c/liveness"); got != 1 {
		t.Fatalf("probed %d times; want a held worker to stop probing the failed container", got)
	}
	if msg, failed := h.m.LivenessFailed("u", "c1"); !failed || msg != "Container c failed liveness probe, will be restarted" {
		t.Fatalf("LivenessFailed(c1) = %q, %v", msg, failed)
	}

	// The kubelet restarts it: a new instance is probed afresh, at once.
	h.state.set("u", "c", "c2", h.clock.Now(), true)
	h.m.ContainerRestarted("u", "c")
	h.waitSteps(1)
	want := []kill{
		{"c", "c1", "Container c failed liveness probe, will be restarted"},
		{"c", "c2", "Container c failed liveness probe, will be restarted"},
	}
	if got := h.killList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("kills = %v, want %v", got, want)
	}
	if _, failed := h.m.LivenessFailed("u", "c1"); failed {
		t.Fatal("the old instance's result outlived it")
	}
}

func TestKillMessageRespectsRestartPolicy(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/liveness", Failure)
	pod := testPod("u", ctr("c", withProbe("liveness", failAfter(1))))
	pod.Spec.RestartPolicy = v1.RestartPolicyNever
	h.add(pod, 1)
	want := []kill{{"c", "c1", "Container c failed liveness probe"}}
	if got := h.killList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("kills = %v, want %v", got, want)
	}
}

func TestReadinessChangesCallOnChange(t *testing.T) {
	S, F := Success, Failure
	h := newHarness(t)
	runningC1(h)
	answers := []Result{S, S, F, F, S}
	want := []int{1, 1, 2, 2, 3}
	pod := testPod("u", ctr("c", withProbe("readiness", failAfter(1))))
	probeSeq(h, pod, "c/readiness", answers, func(i int) {
		if got := h.changeCount(); got != want[i] {
			t.Fatalf("after probe %d: %d OnChange calls, want %d", i+1, got, want[i])
		}
	})

	// The container stops: not ready, and the kubelet hears of it.
	h.state.set("u", "c", "c1", h.clock.Now(), false)
	h.tick(tenSeconds, 1)
	if h.m.Ready("u", "c1") {
		t.Fatal("a stopped container is ready")
	}
	if got := h.changeCount(); got != 4 {
		t.Fatalf("%d OnChange calls, want 4", got)
	}
}

func TestLivenessChangesDoNotCallOnChange(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/liveness", Failure)
	h.add(testPod("u", ctr("c", withProbe("liveness", failAfter(1)))), 1)
	if got := h.changeCount(); got != 0 {
		t.Fatalf("%d OnChange calls for a liveness result", got)
	}
}

func TestNoProbes(t *testing.T) {
	h := newHarness(t)
	h.m.AddPod(testPod("u", ctr("c")))
	h.state.set("u", "c", "c1", h.clock.Now(), true)
	cases := []struct {
		name, uid, id string
		running       bool
		want          bool
	}{
		{"running", "u", "c1", true, true},
		{"stopped", "u", "c1", false, false},
		{"unknown container id", "u", "zzz", true, false},
		{"unknown pod", "other", "c1", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.state.set("u", "c", "c1", h.clock.Now(), tc.running)
			if got := h.m.Ready(typesUID(tc.uid), tc.id); got != tc.want {
				t.Errorf("Ready = %v, want %v", got, tc.want)
			}
			if got := h.m.Started(typesUID(tc.uid), tc.id); got != tc.want {
				t.Errorf("Started = %v, want %v", got, tc.want)
			}
			if _, failed := h.m.LivenessFailed(typesUID(tc.uid), tc.id); failed {
				t.Error("LivenessFailed without a probe")
			}
		})
	}
}

func TestSidecarsAreProbed(t *testing.T) {
	h := newHarness(t)
	always := v1.ContainerRestartPolicyAlways
	pod := testPod("u", ctr("c"))
	pod.Spec.InitContainers = []v1.Container{
		ctr("init", withProbe("readiness")), // not a sidecar: never probed
		ctr("side", withProbe("readiness"), func(c *v1.Container) { c.RestartPolicy = &always }),
	}
	h.state.set("u", "side", "s1", h.clock.Now(), true)
	h.runner.set("side/readiness", Success)
	h.add(pod, 1)
	if !h.m.Ready("u", "s1") {
		t.Fatal("sidecar not ready after its probe passed")
	}
	if got := h.runner.count("init/readiness"); got != 0 {
		t.Fatalf("a regular init container was probed %d times", got)
	}
	if h.m.worker("u", "init", readiness) != nil {
		t.Fatal("worker started for a regular init container")
	}
}

func TestEvents(t *testing.T) {
	cases := []struct {
		name    string
		kind    string
		answer  Result
		err     error
		wantEvt string
		calls   int
	}{
		{"failure", "liveness", Failure, nil, "Warning Unhealthy Liveness probe failed: out c/liveness", 1},
		{"readiness failure", "readiness", Failure, nil, "Warning Unhealthy Readiness probe failed: out c/readiness", 1},
		{"warning", "readiness", Warning, nil, "Warning ProbeWarning Readiness probe warning: out c/readiness", 1},
		{"error is retried", "startup", Unknown, errors.New("boom"), "Warning Unhealthy Startup probe errored and resulted in unknown state: boom", 3},
		{"success is quiet", "readiness", Success, nil, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			runningC1(h)
			name := "c/" + tc.kind
			h.runner.set(name, tc.answer)
			h.runner.setErr(name, tc.err)
			h.add(testPod("u", ctr("c", withProbe(tc.kind))), 1)
			var want []string
			if tc.wantEvt != "" {
				want = []string{tc.wantEvt}
			}
			if got := h.events(); !reflect.DeepEqual(got, want) {
				t.Fatalf("events = %q, want %q", got, want)
			}
			if got := h.runner.count(name); got != tc.calls {
				t.Fatalf("%d runs, want %d", got, tc.calls)
			}
		})
	}
}

func TestErroredProbeIsDiscarded(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/readiness", Success)
	h.add(testPod("u", ctr("c", withProbe("readiness", failAfter(1)))), 1)
	h.runner.setErr("c/readiness", errors.New("runtime down"))
	h.runner.set("c/readiness", Unknown)
	h.tick(tenSeconds, 1)
	if !h.m.Ready("u", "c1") {
		t.Fatal("an errored probe changed readiness")
	}
}

func TestDeletingPodIsNotKilled(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/liveness", Failure)
	h.runner.set("c/readiness", Success)
	pod := testPod("u", ctr("c", withProbe("liveness", failAfter(1)), withProbe("readiness")))
	now := metav1.NewTime(h.clock.Now())
	pod.DeletionTimestamp = &now
	h.add(pod, 2)
	h.tick(tenSeconds, 2)
	if got := h.runner.count("c/liveness"); got != 0 {
		t.Fatalf("liveness probed %d times during termination", got)
	}
	if got := h.killList(); len(got) != 0 {
		t.Fatalf("kills during termination: %v", got)
	}
	if got := h.runner.count("c/readiness"); got != 2 {
		t.Fatalf("readiness probed %d times, want it to keep running", got)
	}
}

func TestAddPodIsIdempotentAndUpdatesThePod(t *testing.T) {
	h := newHarness(t)
	runningC1(h)
	h.runner.set("c/liveness", Failure)
	pod := testPod("u", ctr("c", withProbe("liveness", failAfter(2))))
	h.add(pod, 1)
	h.m.AddPod(pod)
	if got := h.m.live.Load(); got != 1 {
		t.Fatalf("%d workers after a second AddPod, want 1", got)
	}
	deleting := pod.DeepCopy()
	now := metav1.NewTime(h.clock.Now())
	deleting.DeletionTimestamp = &now
	h.m.AddPod(deleting)
	h.tick(tenSeconds, 1)
	if got := h.killList(); len(got) != 0 {
		t.Fatalf("killed after deletion started: %v", got)
	}
}

// Before a worker has seen a container, Ready asks it to probe now instead of
// waiting for its next tick.
func TestReadyNudgesAWorkerThatHasNotSeenTheContainer(t *testing.T) {
	h := newHarness(t)
	h.runner.set("c/readiness", Success)
	h.add(testPod("u", ctr("c", withProbe("readiness"))), 1) // no container yet
	runningC1(h)
	if h.m.Ready("u", "c1") {
		t.Fatal("ready before any probe")
	}
	h.waitSteps(1) // no clock step: the nudge ran it
	if !h.m.Ready("u", "c1") {
		t.Fatal("not ready after the nudged probe passed")
	}
}

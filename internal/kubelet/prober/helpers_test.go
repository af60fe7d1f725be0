package prober

import (
	"context"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	testingclock "k8s.io/utils/clock/testing"
)

// waitLimit bounds every wait for a worker goroutine; tests never sleep to
// let time pass, they step the fake clock and wait for the worker's step.
const waitLimit = 5 * time.Second

// fakeState is a StateSource the test drives directly.
type fakeState struct {
	mu sync.Mutex
	c  map[string]fakeContainer // by uid/name
}

type fakeContainer struct {
	id        string
	startedAt time.Time
	running   bool
}

func (s *fakeState) Container(uid types.UID, name string) (string, time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.c[string(uid)+"/"+name]
	return c.id, c.startedAt, c.running
}

func (s *fakeState) PodIP(types.UID) string { return "10.0.0.1" }

func (s *fakeState) set(uid types.UID, name, id string, startedAt time.Time, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c[string(uid)+"/"+name] = fakeContainer{id, startedAt, running}
}

// fakeRunner answers each probe with a scripted result. Test probes are exec
// probes whose command is the kind ("liveness"...), so a probe is named
// "container/kind".
type fakeRunner struct {
	mu     sync.Mutex
	answer map[string]Result
	err    map[string]error
	block  bool // wait for the context instead of answering
	calls  map[string]int
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{answer: map[string]Result{}, err: map[string]error{}, calls: map[string]int{}}
}

func (r *fakeRunner) Run(ctx context.Context, p *v1.Probe, t Target) (Result, string, error) {
	name := t.Container.Name + "/" + p.Exec.Command[0]
	r.mu.Lock()
	r.calls[name]++
	res, err, block := r.answer[name], r.err[name], r.block
	r.mu.Unlock()
	if block {
		<-ctx.Done()
		return Unknown, "", ctx.Err()
	}
	return res, "out " + name, err
}

func (r *fakeRunner) set(name string, res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answer[name] = res
}

func (r *fakeRunner) setErr(name string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err[name] = err
}

func (r *fakeRunner) count(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[name]
}

type kill struct{ container, containerID, message string }

// harness wires a Manager to fakes and records what it reports.
type harness struct {
	t      *testing.T
	clock  *testingclock.FakeClock
	state  *fakeState
	runner *fakeRunner
	rec    *record.FakeRecorder
	m      *Manager
	steps  chan string // "container/kind" after each worker step

	mu      sync.Mutex
	changes int
	kills   []kill
}

func newHarness(t *testing.T) *harness {
	h := &harness{
		t:      t,
		clock:  testingclock.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)),
		state:  &fakeState{c: map[string]fakeContainer{}},
		runner: newFakeRunner(),
		rec:    record.NewFakeRecorder(1000),
		steps:  make(chan string, 1000),
	}
	h.m = NewManager(Options{
		State:    h.state,
		Clock:    h.clock,
		Recorder: h.rec,
		Runner:   h.runner,
		OnChange: func(types.UID) {
			h.mu.Lock()
			h.changes++
			h.mu.Unlock()
		},
		OnLivenessFailure: func(_ types.UID, c, id, msg string) {
			h.mu.Lock()
			h.kills = append(h.kills, kill{c, id, msg})
			h.mu.Unlock()
		},
	})
	h.m.stepped = func(_ types.UID, c string, k probeKind) { h.steps <- c + "/" + kindName(k) }
	t.Cleanup(h.stopAll)
	return h
}

func kindName(k probeKind) string {
	return map[probeKind]string{liveness: "liveness", readiness: "readiness", startup: "startup"}[k]
}

// stopAll removes every pod and waits for the workers to exit.
func (h *harness) stopAll() {
	h.m.mu.Lock()
	var uids []types.UID
	for uid := range h.m.pods {
		uids = append(uids, uid)
	}
	h.m.mu.Unlock()
	for _, uid := range uids {
		h.m.RemovePod(uid)
	}
	h.waitFor("workers to exit", func() bool { return h.m.live.Load() == 0 })
}

// add adds the pod and waits for the first step of each of its workers.
func (h *harness) add(pod *v1.Pod, workers int) {
	h.m.AddPod(pod)
	h.waitSteps(workers)
}

// tick advances the fake clock and waits for n worker steps.
func (h *harness) tick(d time.Duration, n int) []string {
	h.clock.Step(d)
	return h.waitSteps(n)
}

func (h *harness) waitSteps(n int) []string {
	h.t.Helper()
	var got []string
	deadline := time.After(waitLimit)
	for len(got) < n {
		select {
		case s := <-h.steps:
			got = append(got, s)
		case <-deadline:
			h.t.Fatalf("waited for %d worker steps, saw %d: %v", n, len(got), got)
		}
	}
	return got
}

// expectNoSteps is a best-effort check that nothing else ran; it cannot
// prove a negative, only catch a worker that steps right away.
func (h *harness) expectNoSteps() {
	h.t.Helper()
	select {
	case s := <-h.steps:
		h.t.Fatalf("unexpected worker step %s", s)
	case <-time.After(20 * time.Millisecond):
	}
}

func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (h *harness) changeCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.changes
}

func (h *harness) killList() []kill {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]kill(nil), h.kills...)
}

// events drains the recorder.
func (h *harness) events() []string {
	var out []string
	for {
		select {
		case e := <-h.rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// Pod builders.

func testPod(uid string, containers ...v1.Container) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p-" + uid, Namespace: "default", UID: types.UID(uid)},
		Spec:       v1.PodSpec{Containers: containers, RestartPolicy: v1.RestartPolicyAlways},
	}
}

func ctr(name string, opts ...func(*v1.Container)) v1.Container {
	c := v1.Container{Name: name, Image: "img"}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// withProbe gives the container a probe of the named kind; mods tune it.
func withProbe(kind string, mods ...func(*v1.Probe)) func(*v1.Container) {
	return func(c *v1.Container) {
		p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{kind}}}}
		for _, m := range mods {
			m(p)
		}
		switch kind {
		case "liveness":
			c.LivenessProbe = p
		case "readiness":
			c.ReadinessProbe = p
		case "startup":
			c.StartupProbe = p
		}
	}
}

func period(s int32) func(*v1.Probe)    { return func(p *v1.Probe) { p.PeriodSeconds = s } }
func delay(s int32) func(*v1.Probe)     { return func(p *v1.Probe) { p.InitialDelaySeconds = s } }
func failAfter(n int32) func(*v1.Probe) { return func(p *v1.Probe) { p.FailureThreshold = n } }
func passAfter(n int32) func(*v1.Probe) { return func(p *v1.Probe) { p.SuccessThreshold = n } }

func typesUID(s string) types.UID { return types.UID(s) }

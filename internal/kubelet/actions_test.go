package kubelet

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// rpBuilder makes runtime states for the decision tests.
type rpBuilder struct{ rp *runtimePod }

func newRP() *rpBuilder {
	return &rpBuilder{&runtimePod{containers: map[string][]*runtimeapi.ContainerStatus{}}}
}

func (b *rpBuilder) sandbox(ready bool, attempt uint32) *rpBuilder {
	st := runtimeapi.PodSandboxState_SANDBOX_NOTREADY
	if ready {
		st = runtimeapi.PodSandboxState_SANDBOX_READY
	}
	b.rp.sandboxes = append(b.rp.sandboxes, &runtimeapi.PodSandboxStatus{Id: "sb", State: st, Metadata: &runtimeapi.PodSandboxMetadata{Attempt: attempt}})
	return b
}

func (b *rpBuilder) running(name, id string, c *v1.Container) *rpBuilder {
	b.rp.containers[name] = append(b.rp.containers[name], &runtimeapi.ContainerStatus{
		Id: id, State: runtimeapi.ContainerState_CONTAINER_RUNNING, StartedAt: 1,
		Metadata: &runtimeapi.ContainerMetadata{Name: name}, Annotations: map[string]string{annotationHash: containerHash(c)},
	})
	return b
}

func (b *rpBuilder) exited(name, id string, code int32, attempt uint32) *rpBuilder {
	b.rp.containers[name] = append(b.rp.containers[name], &runtimeapi.ContainerStatus{
		Id: id, State: runtimeapi.ContainerState_CONTAINER_EXITED, ExitCode: code, StartedAt: 1, FinishedAt: 2,
		Metadata: &runtimeapi.ContainerMetadata{Name: name, Attempt: attempt},
	})
	return b
}

func (b *rpBuilder) created(name, id string) *rpBuilder {
	b.rp.containers[name] = append(b.rp.containers[name], &runtimeapi.ContainerStatus{
		Id: id, State: runtimeapi.ContainerState_CONTAINER_CREATED, Metadata: &runtimeapi.ContainerMetadata{Name: name},
	})
	return b
}

func testPod(policy v1.RestartPolicy, inits int, apps ...string) *v1.Pod {
	p := &v1.Pod{Spec: v1.PodSpec{RestartPolicy: policy}}
	for i := 0; i < inits; i++ {
		p.Spec.InitContainers = append(p.Spec.InitContainers, v1.Container{Name: "init" + string(rune('a'+i)), Image: "img"})
	}
	for _, a := range apps {
		p.Spec.Containers = append(p.Spec.Containers, v1.Container{Name: a, Image: "img"})
	}
	return p
}

func names0(cs []*v1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestComputeActions(t *testing.T) {
	now := time.Unix(100, 0)
	noBackoff := func(string, *runtimeapi.ContainerStatus) time.Time { return time.Time{} }
	inBackoff := func(string, *runtimeapi.ContainerStatus) time.Time { return now.Add(10 * time.Second) }
	never := func(string) bool { return false }
	always := v1.RestartPolicyAlways
	app := &v1.Container{Name: "app", Image: "img"}
	for _, tc := range []struct {
		name          string
		pod           *v1.Pod
		rp            *runtimePod
		backoff       func(string, *runtimeapi.ContainerStatus) time.Time
		liveness      func(string) bool
		started       func(string) bool
		createSandbox bool
		killPod       bool
		startInit     string
		start         []string
		kill          int
		backoffN      int
	}{
		{name: "new pod", pod: testPod(always, 0, "app", "side"), rp: newRP().rp, createSandbox: true, start: []string{"app", "side"}},
		{name: "new pod with init", pod: testPod(always, 2, "app"), rp: newRP().rp, createSandbox: true, startInit: "inita"},
		{name: "running: nothing", pod: testPod(always, 0, "app"), rp: newRP().sandbox(true, 0).running("app", "c1", app).rp},
		{name: "sandbox died: start over", pod: testPod(always, 0, "app"), rp: newRP().sandbox(false, 0).running("app", "c1", app).rp, createSandbox: true, killPod: true, start: []string{"app"}},
		{name: "never + sandbox died: done", pod: testPod(v1.RestartPolicyNever, 0, "app"), rp: newRP().sandbox(false, 0).exited("app", "c1", 0, 0).rp, killPod: true},
		{name: "onfailure succeeded + sandbox died: nothing to start", pod: testPod(v1.RestartPolicyOnFailure, 0, "app"), rp: newRP().sandbox(false, 0).exited("app", "c1", 0, 0).rp, killPod: true},
		{name: "first init done: second", pod: testPod(always, 2, "app"), rp: newRP().sandbox(true, 0).exited("inita", "i1", 0, 0).rp, startInit: "initb"},
		{name: "init running: wait", pod: testPod(always, 2, "app"), rp: newRP().sandbox(true, 0).running("inita", "i1", &v1.Container{Name: "inita", Image: "img"}).rp},
		{name: "init failed, never: stop", pod: testPod(v1.RestartPolicyNever, 1, "app"), rp: newRP().sandbox(true, 0).exited("inita", "i1", 1, 0).rp},
		{name: "init failed, always: restart", pod: testPod(always, 1, "app"), rp: newRP().sandbox(true, 0).exited("inita", "i1", 1, 0).rp, startInit: "inita"},
		{name: "init failed in backoff", pod: testPod(always, 1, "app"), rp: newRP().sandbox(true, 0).exited("inita", "i1", 1, 0).rp, backoff: inBackoff, backoffN: 1},
		{name: "inits done: apps", pod: testPod(always, 1, "app"), rp: newRP().sandbox(true, 0).exited("inita", "i1", 0, 0).rp, start: []string{"app"}},
		{name: "crashed, always: restart", pod: testPod(always, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 1, 0).rp, start: []string{"app"}},
		{name: "crashed in backoff", pod: testPod(always, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 1, 0).rp, backoff: inBackoff, backoffN: 1},
		{name: "exit 0, onfailure: done", pod: testPod(v1.RestartPolicyOnFailure, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 0, 0).rp},
		{name: "exit 1, onfailure: restart", pod: testPod(v1.RestartPolicyOnFailure, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 1, 0).rp, start: []string{"app"}},
		{name: "exit 1, never: done", pod: testPod(v1.RestartPolicyNever, 0, "app"), rp: newRP().sandbox(true, 0).exited("app", "c1", 1, 0).rp},
		{name: "liveness failed: kill and restart", pod: testPod(always, 0, "app"), rp: newRP().sandbox(true, 0).running("app", "c1", app).rp, liveness: func(id string) bool { return id == "c1" }, kill: 1, start: []string{"app"}},
		{name: "liveness failed, never: kill only", pod: testPod(v1.RestartPolicyNever, 0, "app"), rp: newRP().sandbox(true, 0).running("app", "c1", app).rp, liveness: func(id string) bool { return id == "c1" }, kill: 1},
		{name: "created, never started: replace", pod: testPod(always, 0, "app"), rp: newRP().sandbox(true, 0).created("app", "c1").rp, kill: 1, start: []string{"app"}},
		{name: "created after a successful start: wait", pod: testPod(always, 0, "app"), rp: newRP().sandbox(true, 0).created("app", "c1").rp, started: func(id string) bool { return id == "c1" }},
		{name: "init created after a successful start: wait", pod: testPod(always, 1, "app"), rp: newRP().sandbox(true, 0).created("inita", "i1").rp, started: func(id string) bool { return id == "i1" }},
		{name: "init created, never started: replace", pod: testPod(always, 1, "app"), rp: newRP().sandbox(true, 0).created("inita", "i1").rp, kill: 1, startInit: "inita"},
		{name: "image changed: replace", pod: testPod(always, 0, "app"), rp: newRP().sandbox(true, 0).running("app", "c1", &v1.Container{Name: "app", Image: "old"}).rp, kill: 1, start: []string{"app"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decider{backoffUntil: noBackoff, livenessFailed: never, now: now}
			if tc.backoff != nil {
				d.backoffUntil = tc.backoff
			}
			if tc.liveness != nil {
				d.livenessFailed = tc.liveness
			}
			d.started = tc.started
			a := d.computeActions(tc.pod, tc.rp)
			if a.createSandbox != tc.createSandbox || a.killPod != tc.killPod {
				t.Errorf("createSandbox=%v killPod=%v, want %v %v", a.createSandbox, a.killPod, tc.createSandbox, tc.killPod)
			}
			init := ""
			if a.startInit != nil {
				init = a.startInit.Name
			}
			if init != tc.startInit {
				t.Errorf("startInit %q, want %q", init, tc.startInit)
			}
			if got := names0(a.start); len(got) != len(tc.start) || (len(got) > 0 && got[0] != tc.start[0]) {
				t.Errorf("start %v, want %v", got, tc.start)
			}
			if len(a.kill) != tc.kill || len(a.backoff) != tc.backoffN {
				t.Errorf("kill %v backoff %v, want %d and %d", a.kill, a.backoff, tc.kill, tc.backoffN)
			}
		})
	}
}

func TestBackoffDoublesAndResets(t *testing.T) {
	b := newBackoff(nil, 10*time.Second, 5*time.Minute)
	t0 := time.Unix(1000, 0)
	if !b.until("k", t0).IsZero() {
		t.Fatal("first failure must restart at once")
	}
	b.next("k", t0)
	if got := b.until("k", t0.Add(time.Second)); !got.Equal(t0.Add(11 * time.Second)) {
		t.Fatalf("second failure waits until %v", got)
	}
	b.next("k", t0.Add(time.Second))
	if b.delay("k") != 20*time.Second {
		t.Fatalf("delay %v, want 20s", b.delay("k"))
	}
	for i := 0; i < 10; i++ {
		b.next("k", t0.Add(2*time.Second))
	}
	if b.delay("k") != 5*time.Minute {
		t.Fatalf("delay capped at %v, want 5m", b.delay("k"))
	}
	// Ten minutes without failures: start over.
	late := t0.Add(11 * time.Minute)
	if !b.until("k", late).IsZero() {
		t.Fatal("back-off not reset after 10 minutes")
	}
	b.next("k", late)
	if b.delay("k") != 10*time.Second {
		t.Fatalf("delay after reset %v", b.delay("k"))
	}
}

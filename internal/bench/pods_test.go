package bench

import (
	"strings"
	"testing"
	"time"
)

// Lines as containerd 1.6 logs them at level info (ids shortened).
const containerdLog = `time="2026-11-22T08:00:52.594856178Z" level=info msg="RunPodSandbox for &PodSandboxMetadata{Name:p0,Uid:e618d256,Namespace:default,Attempt:0,}"
time="2026-11-22T08:00:52.600000000Z" level=info msg="loading plugin \"io.containerd.event.v1.publisher\"..." runtime=io.containerd.runc.v2 type=io.containerd.event.v1
time="2026-11-22T08:00:52.698960083Z" level=info msg="RunPodSandbox for &PodSandboxMetadata{Name:p0,Uid:e618d256,Namespace:default,Attempt:0,} returns sandbox id \"1c2d\""
time="2026-11-22T08:00:52.701737387Z" level=info msg="CreateContainer within sandbox \"1c2d\" for container &ContainerMetadata{Name:pause,Attempt:0,}"
time="2026-11-22T08:00:52.715299567Z" level=info msg="CreateContainer within sandbox \"1c2d\" for &ContainerMetadata{Name:pause,Attempt:0,} returns container id \"b439\""
time="2026-11-22T08:00:52.715639768Z" level=info msg="StartContainer for \"b439\""
not a logrus line
time="2026-11-22T08:00:52.775639768Z" level=info msg="StartContainer for \"b439\" returns successfully"
`

func TestParseContainerdLog(t *testing.T) {
	pods, err := parseContainerdLog(strings.NewReader(containerdLog))
	if err != nil {
		t.Fatal(err)
	}
	c := pods["default/p0"]
	if len(pods) != 1 || c == nil {
		t.Fatalf("pods = %v", pods)
	}
	for name, got := range map[string]time.Duration{
		"sandbox": c.Sandbox.End.Sub(c.Sandbox.Start),
		"create":  c.Create.End.Sub(c.Create.Start),
		"start":   c.Start.End.Sub(c.Start.Start),
	} {
		want := map[string]time.Duration{"sandbox": 104103905, "create": 13562180, "start": 60 * time.Millisecond}[name]
		if got != want {
			t.Errorf("%s took %v, want %v", name, got, want)
		}
	}
}

func TestMaxOverlap(t *testing.T) {
	at := func(ms int) time.Time { return time.Unix(0, int64(ms)*int64(time.Millisecond)) }
	spans := []span{{at(0), at(10)}, {at(5), at(15)}, {at(10), at(20)}, {at(12), at(13)}}
	if got := maxOverlap(spans); got != 3 { // 5..10 has two; 12..13 has three
		t.Errorf("maxOverlap = %d, want 3", got)
	}
	if got := maxOverlap(nil); got != 0 {
		t.Errorf("maxOverlap(nil) = %d", got)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[int]time.Duration{50: 50, 90: 90, 99: 99, 100: 100} {
		if got := percentile(d, p); got != want {
			t.Errorf("p%d = %d, want %d", p, got, want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("p99 of one = %d", got)
	}
}

package bench

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCounter(t *testing.T) {
	text := `# HELP apiserver_request_total Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",group="coordination.k8s.io",resource="leases",subresource="",verb="update",version="v1"} 1500
apiserver_request_total{code="409",group="",resource="pods",subresource="status",verb="patch",version="v1"} 2
apiserver_request_total{code="200",group="",resource="",subresource="",verb="non-resource",version="a\"b\\c"} 3e+00
apiserver_request_total_other 5
apiserver_request_duration_seconds_bucket{le="0.1"} 9
`
	got, err := parseCounter(strings.NewReader(text), "apiserver_request_total")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d samples: %v", len(got), got)
	}
	if got[0].Value != 1500 || got[0].Labels["resource"] != "leases" || got[0].Labels["verb"] != "update" {
		t.Errorf("first = %v", got[0])
	}
	if got[2].Value != 3 || got[2].Labels["version"] != `a"b\c` {
		t.Errorf("escaped = %v", got[2])
	}
	if _, err := parseCounter(strings.NewReader(`apiserver_request_total{code="200 1`), "apiserver_request_total"); err == nil {
		t.Error("unterminated labels: no error")
	}
}

func TestRequestRates(t *testing.T) {
	s := func(verb, res, sub, code string, v float64) sample {
		return sample{Labels: map[string]string{"verb": verb, "resource": res, "subresource": sub, "code": code}, Value: v}
	}
	before := []sample{s("update", "leases", "", "200", 100), s("get", "nodes", "", "200", 10)}
	after := []sample{s("update", "leases", "", "200", 700), s("update", "leases", "", "409", 5),
		s("get", "nodes", "", "200", 10), s("patch", "nodes", "status", "200", 50)}
	want := []requestRate{
		{Verb: "update", Resource: "leases", Count: 605, Errors: 5},
		{Verb: "patch", Resource: "nodes", Subresource: "status", Count: 50},
	}
	if got := requestRates(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("requestRates = %+v, want %+v", got, want)
	}
}

func TestParseProcStatus(t *testing.T) {
	text := "Name:\torca\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nRssAnon:\t   81920 kB\nRssFile:\t   20480 kB\nThreads:\t12\n"
	want := procStatus{VmRSS: 100 << 20, RssAnon: 80 << 20, RssFile: 20 << 20, VmHWM: 200 << 20}
	if got := parseProcStatus(text); got != want {
		t.Errorf("parseProcStatus = %+v, want %+v", got, want)
	}
}

func TestMemSamples(t *testing.T) {
	var m memSamples
	if (m.mean() != procStatus{}) {
		t.Error("mean of nothing is not zero")
	}
	m.add(procStatus{VmRSS: 100, RssAnon: 60, RssFile: 40})
	m.add(procStatus{VmRSS: 300, RssAnon: 40})
	m.add(procStatus{VmRSS: 200, RssAnon: 50})
	if got := m.mean(); got.VmRSS != 200 || got.RssAnon != 50 {
		t.Errorf("mean %+v, want RSS 200 anonymous 50", got)
	}
	if m.max.VmRSS != 300 || m.max.RssAnon != 60 {
		t.Errorf("max %+v, want RSS 300 anonymous 60", m.max)
	}
}

package preemption

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"orca/internal/scheduler/framework"
	"orca/internal/scheduler/plugins"
)

// --- builders ---

type podOpt func(*corev1.Pod)

func mkPod(name, node string, prio int32, cpu string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec: corev1.PodSpec{NodeName: node, Priority: &prio, Containers: []corev1.Container{{
			Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}},
		}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func withLabels(kv ...string) podOpt {
	return func(p *corev1.Pod) {
		p.Labels = map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func hostPort(port int32) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP}}
	}
}

func started(minutesAgo int) podOpt {
	return func(p *corev1.Pod) {
		t := metav1.NewTime(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC).Add(-time.Duration(minutesAgo) * time.Minute))
		p.Status.StartTime = &t
	}
}

func nodeSelector(kv ...string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.NodeSelector = map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			p.Spec.NodeSelector[kv[i]] = kv[i+1]
		}
	}
}

func never(p *corev1.Pod) {
	n := corev1.PreemptNever
	p.Spec.PreemptionPolicy = &n
}

func nominated(node string) podOpt {
	return func(p *corev1.Pod) { p.Status.NominatedNodeName = node }
}

func terminatingVictim(p *corev1.Pod) {
	now := metav1.Now()
	p.DeletionTimestamp = &now
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
		Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: corev1.PodReasonPreemptionByScheduler,
	})
}

// antiAffinityTo gives the pod a required hostname anti-affinity to app=v.
func antiAffinityTo(v string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": v}},
				TopologyKey:   corev1.LabelHostname,
			}},
		}}
	}
}

// spreadByHost: maxSkew 1 over hostnames for app=v, DoNotSchedule.
func spreadByHost(v string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": v}},
		}}
	}
}

func mkNode(name, cpu string, labelKV ...string) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourcePods: resource.MustParse("110"),
		}},
	}
	for i := 0; i < len(labelKV); i += 2 {
		n.Labels[labelKV[i]] = labelKV[i+1]
	}
	return n
}

func tainted(n *corev1.Node) *corev1.Node {
	n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	return n
}

func pdb(name string, allowed int32, matchKV ...string) *policyv1.PodDisruptionBudget {
	m := map[string]string{}
	for i := 0; i < len(matchKV); i += 2 {
		m[matchKV[i]] = matchKV[i+1]
	}
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: m}},
		Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed},
	}
}

// --- harness ---

type tcase struct {
	name      string
	nodes     []*corev1.Node
	pods      []*corev1.Pod
	preemptor *corev1.Pod
	pdbs      []*policyv1.PodDisruptionBudget

	wantNode       string // "" = no candidate
	wantVictims    []string
	wantViolations int
	wantMsg        string // substring of the failure message
	wantNotElig    bool
}

// run schedules the preemptor as the loop does, expects a FitError, then
// preempts with the failed cycle's state and diagnosis.
func run(t *testing.T, tc tcase, rerun bool) (*Candidate, *framework.Status) {
	t.Helper()
	f, err := framework.New(plugins.DefaultPlugins(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := framework.NewSnapshot(tc.pods, tc.nodes, nil)
	state := framework.NewCycleState()
	_, err = framework.Schedule(context.Background(), f, state, tc.preemptor, snap, 0)
	var fe *framework.FitError
	if !errors.As(err, &fe) {
		t.Fatalf("Schedule: want a FitError, got %v", err)
	}
	return Preempt(context.Background(), Input{
		Framework: f, State: state, Pod: tc.preemptor, Snapshot: snap,
		Diagnosis: fe.Diagnosis, PDBs: tc.pdbs, RerunPreFilter: rerun,
	})
}

func names(pods []*corev1.Pod) []string {
	out := []string{}
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestPreempt(t *testing.T) {
	cases := []tcase{
		{
			name:        "high priority pod preempts the single low priority pod on a full node",
			nodes:       []*corev1.Node{mkNode("n1", "2")},
			pods:        []*corev1.Pod{mkPod("low", "n1", 0, "2")},
			preemptor:   mkPod("high", "", 100, "1"),
			wantNode:    "n1",
			wantVictims: []string{"low"},
		},
		{
			name:  "picks the node with fewer victims",
			nodes: []*corev1.Node{mkNode("n1", "2"), mkNode("n2", "2")},
			pods: []*corev1.Pod{
				mkPod("a1", "n1", 1, "1"), mkPod("a2", "n1", 1, "1"),
				mkPod("b1", "n2", 1, "2"),
			},
			preemptor:   mkPod("high", "", 100, "2"),
			wantNode:    "n2",
			wantVictims: []string{"b1"},
		},
		{
			name:  "lowest highest-victim priority beats fewer victims",
			nodes: []*corev1.Node{mkNode("n1", "2"), mkNode("n2", "2")},
			pods: []*corev1.Pod{
				mkPod("a1", "n1", 5, "2"),
				mkPod("b1", "n2", 1, "1"), mkPod("b2", "n2", 1, "1"),
			},
			preemptor:   mkPod("high", "", 100, "2"),
			wantNode:    "n2",
			wantVictims: []string{"b1", "b2"},
		},
		{
			name:  "latest start time of the highest priority victims breaks ties",
			nodes: []*corev1.Node{mkNode("n1", "1"), mkNode("n2", "1")},
			pods: []*corev1.Pod{
				mkPod("old", "n1", 1, "1", started(60)),
				mkPod("young", "n2", 1, "1", started(5)),
			},
			preemptor:   mkPod("high", "", 100, "1"),
			wantNode:    "n2",
			wantVictims: []string{"young"},
		},
		{
			name:  "full ties go to the first node",
			nodes: []*corev1.Node{mkNode("n1", "1"), mkNode("n2", "1")},
			pods: []*corev1.Pod{
				mkPod("b", "n2", 1, "1"), mkPod("a", "n1", 1, "1"),
			},
			preemptor:   mkPod("high", "", 100, "1"),
			wantNode:    "n1",
			wantVictims: []string{"a"},
		},
		{
			name:      "does not preempt pods of equal priority",
			nodes:     []*corev1.Node{mkNode("n1", "2")},
			pods:      []*corev1.Pod{mkPod("same", "n1", 100, "2")},
			preemptor: mkPod("high", "", 100, "1"),
			wantMsg:   "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
		},
		{
			name:      "does not preempt pods of higher priority",
			nodes:     []*corev1.Node{mkNode("n1", "2")},
			pods:      []*corev1.Pod{mkPod("higher", "n1", 1000, "2")},
			preemptor: mkPod("high", "", 100, "1"),
			wantMsg:   "No preemption victims found",
		},
		{
			name:      "evicting every lower priority pod is not enough",
			nodes:     []*corev1.Node{mkNode("n1", "4")},
			pods:      []*corev1.Pod{mkPod("higher", "n1", 1000, "3"), mkPod("low", "n1", 0, "1")},
			preemptor: mkPod("high", "", 100, "2"),
			wantMsg:   "Insufficient cpu",
		},
		{
			name:        "preemptionPolicy Never",
			nodes:       []*corev1.Node{mkNode("n1", "2")},
			pods:        []*corev1.Pod{mkPod("low", "n1", 0, "2")},
			preemptor:   mkPod("high", "", 100, "1", never),
			wantMsg:     "preemption: not eligible due to preemptionPolicy=Never.",
			wantNotElig: true,
		},
		{
			name:  "nominated node still has a terminating victim: not again",
			nodes: []*corev1.Node{mkNode("n1", "2")},
			pods: []*corev1.Pod{
				mkPod("dying", "n1", 0, "1", terminatingVictim), mkPod("low", "n1", 0, "1"),
			},
			preemptor:   mkPod("high", "", 100, "2", nominated("n1")),
			wantMsg:     "preemption: not eligible due to a terminating pod on the nominated node.",
			wantNotElig: true,
		},
		{
			name:  "nominated node without terminating victims: preempt again",
			nodes: []*corev1.Node{mkNode("n1", "2")},
			pods: []*corev1.Pod{
				mkPod("low", "n1", 0, "2"),
			},
			preemptor:   mkPod("high", "", 100, "2", nominated("n1")),
			wantNode:    "n1",
			wantVictims: []string{"low"},
		},
		{
			name:  "prefers nodes without PDB violations",
			nodes: []*corev1.Node{mkNode("n1", "1"), mkNode("n2", "1")},
			pods: []*corev1.Pod{
				mkPod("guarded", "n1", 0, "1", withLabels("app", "db")),
				mkPod("free", "n2", 5, "1", withLabels("app", "web")),
			},
			preemptor:   mkPod("high", "", 100, "1"),
			pdbs:        []*policyv1.PodDisruptionBudget{pdb("db", 0, "app", "db")},
			wantNode:    "n2",
			wantVictims: []string{"free"},
		},
		{
			name:  "PDB with budget left is no violation",
			nodes: []*corev1.Node{mkNode("n1", "1"), mkNode("n2", "1")},
			pods: []*corev1.Pod{
				mkPod("guarded", "n1", 0, "1", withLabels("app", "db")),
				mkPod("free", "n2", 5, "1", withLabels("app", "web")),
			},
			preemptor:   mkPod("high", "", 100, "1"),
			pdbs:        []*policyv1.PodDisruptionBudget{pdb("db", 1, "app", "db")},
			wantNode:    "n1",
			wantVictims: []string{"guarded"},
		},
		{
			name:  "victims of one PDB are counted together",
			nodes: []*corev1.Node{mkNode("n1", "2")},
			pods: []*corev1.Pod{
				mkPod("db1", "n1", 0, "1", withLabels("app", "db")),
				mkPod("db2", "n1", 0, "1", withLabels("app", "db")),
			},
			preemptor: mkPod("high", "", 100, "2"),
			pdbs:      []*policyv1.PodDisruptionBudget{pdb("db", 1, "app", "db")},
			wantNode:  "n1",
			// db2 is the one past the budget: reprieved (and failed) first.
			wantVictims:    []string{"db2", "db1"},
			wantViolations: 1,
		},
		{
			name:  "only a PDB-violating node: still preempts, reporting the violation",
			nodes: []*corev1.Node{mkNode("n1", "1")},
			pods: []*corev1.Pod{
				mkPod("guarded", "n1", 0, "1", withLabels("app", "db")),
			},
			preemptor:      mkPod("high", "", 100, "1"),
			pdbs:           []*policyv1.PodDisruptionBudget{pdb("db", 0, "app", "db")},
			wantNode:       "n1",
			wantVictims:    []string{"guarded"},
			wantViolations: 1,
		},
		{
			name:  "PDB-violating pods are reprieved first",
			nodes: []*corev1.Node{mkNode("n1", "2")},
			pods: []*corev1.Pod{
				mkPod("guarded", "n1", 1, "1", withLabels("app", "db")),
				mkPod("more-important", "n1", 5, "1"),
			},
			preemptor:   mkPod("high", "", 100, "1"),
			pdbs:        []*policyv1.PodDisruptionBudget{pdb("db", 0, "app", "db")},
			wantNode:    "n1",
			wantVictims: []string{"more-important"},
		},
		{
			name:  "minimal victims: the pods not needed are reprieved",
			nodes: []*corev1.Node{mkNode("n1", "4")},
			pods: []*corev1.Pod{
				mkPod("p10", "n1", 10, "1"), mkPod("p5", "n1", 5, "1"), mkPod("p1", "n1", 1, "2"),
			},
			preemptor:   mkPod("high", "", 100, "2"),
			wantNode:    "n1",
			wantVictims: []string{"p1"},
		},
		{
			name:  "minimal victims: higher priority ones kept, victims sorted by importance",
			nodes: []*corev1.Node{mkNode("n1", "4")},
			pods: []*corev1.Pod{
				mkPod("a", "n1", 1, "1", started(1)), mkPod("big", "n1", 10, "2"), mkPod("b", "n1", 2, "1"),
			},
			preemptor:   mkPod("high", "", 100, "2"),
			wantNode:    "n1",
			wantVictims: []string{"b", "a"},
		},
		{
			name:  "skips nodes that are UnschedulableAndUnresolvable (nodeSelector mismatch)",
			nodes: []*corev1.Node{mkNode("n1", "2"), mkNode("n2", "2", "zone", "a")},
			pods: []*corev1.Pod{
				mkPod("cheap", "n1", 0, "2"),
				mkPod("dear", "n2", 50, "2"),
			},
			preemptor:   mkPod("high", "", 100, "1", nodeSelector("zone", "a")),
			wantNode:    "n2",
			wantVictims: []string{"dear"},
		},
		{
			name:      "no node where preemption helps",
			nodes:     []*corev1.Node{mkNode("n1", "2"), tainted(mkNode("n2", "2"))},
			pods:      []*corev1.Pod{mkPod("l1", "n1", 0, "2"), mkPod("l2", "n2", 0, "2")},
			preemptor: mkPod("high", "", 100, "1", nodeSelector("zone", "a")),
			wantMsg:   "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
		},
		{
			name:  "tainted node is skipped",
			nodes: []*corev1.Node{tainted(mkNode("n1", "2")), mkNode("n2", "2")},
			pods: []*corev1.Pod{
				mkPod("cheap", "n1", 0, "2"),
				mkPod("dear", "n2", 50, "2"),
			},
			preemptor:   mkPod("high", "", 100, "1"),
			wantNode:    "n2",
			wantVictims: []string{"dear"},
		},
		{
			name:  "port conflict resolved by evicting the port holder",
			nodes: []*corev1.Node{mkNode("n1", "8")},
			pods: []*corev1.Pod{
				mkPod("other", "n1", 0, "1"),
				mkPod("holder", "n1", 0, "1", hostPort(8080)),
			},
			preemptor:   mkPod("high", "", 100, "1", hostPort(8080)),
			wantNode:    "n1",
			wantVictims: []string{"holder"},
		},
		{
			name:  "port held by a higher priority pod cannot be freed",
			nodes: []*corev1.Node{mkNode("n1", "8")},
			pods: []*corev1.Pod{
				mkPod("other", "n1", 0, "1"),
				mkPod("holder", "n1", 1000, "1", hostPort(8080)),
			},
			preemptor: mkPod("high", "", 100, "1", hostPort(8080)),
			wantMsg:   "node(s) didn't have free ports",
		},
		{
			name:  "existing pod's anti-affinity resolved by evicting it",
			nodes: []*corev1.Node{mkNode("n1", "8")},
			pods: []*corev1.Pod{
				mkPod("other", "n1", 0, "1", withLabels("app", "x")),
				mkPod("hater", "n1", 0, "1", antiAffinityTo("web")),
			},
			preemptor:   mkPod("high", "", 100, "1", withLabels("app", "web")),
			wantNode:    "n1",
			wantVictims: []string{"hater"},
		},
		{
			name:  "preemptor's anti-affinity resolved by evicting the matching pod",
			nodes: []*corev1.Node{mkNode("n1", "8"), mkNode("n2", "8")},
			pods: []*corev1.Pod{
				mkPod("db1", "n1", 0, "1", withLabels("app", "db")),
				mkPod("db2", "n2", 0, "1", withLabels("app", "db")),
				mkPod("db3", "n2", 0, "1", withLabels("app", "db")),
				mkPod("bystander", "n1", 0, "1"),
			},
			preemptor:   mkPod("high", "", 100, "1", antiAffinityTo("db")),
			wantNode:    "n1",
			wantVictims: []string{"db1"},
		},
		{
			name:  "topology spread skew resolved by evicting a matching pod",
			nodes: []*corev1.Node{mkNode("n1", "8"), mkNode("n2", "1")},
			pods: []*corev1.Pod{
				mkPod("web-low", "n1", 0, "1", withLabels("app", "web")),
				mkPod("bystander", "n1", 0, "1"),
				mkPod("n2-full", "n2", 1000, "1"),
			},
			preemptor:   mkPod("high", "", 100, "1", withLabels("app", "web"), spreadByHost("web")),
			wantNode:    "n1",
			wantVictims: []string{"web-low"},
		},
	}
	for _, tc := range cases {
		for _, rerun := range []bool{false, true} {
			name := tc.name
			if rerun {
				name += "/rerun-prefilter"
			}
			t.Run(name, func(t *testing.T) {
				c, st := run(t, tc, rerun)
				if tc.wantNode == "" {
					if c != nil {
						t.Fatalf("got candidate %s %v, want none", c.Node, names(c.Victims))
					}
					if st.Code() != framework.Unschedulable || !strings.Contains(st.Message(), tc.wantMsg) {
						t.Errorf("status = %v, want Unschedulable containing %q", st, tc.wantMsg)
					}
					if IsNotEligible(st) != tc.wantNotElig {
						t.Errorf("IsNotEligible = %v, want %v", !tc.wantNotElig, tc.wantNotElig)
					}
					return
				}
				if !st.IsSuccess() || c == nil {
					t.Fatalf("no candidate: %v", st)
				}
				if c.Node != tc.wantNode || !reflect.DeepEqual(names(c.Victims), tc.wantVictims) || c.PDBViolations != tc.wantViolations {
					t.Errorf("got %s %v (%d PDB violations), want %s %v (%d)",
						c.Node, names(c.Victims), c.PDBViolations, tc.wantNode, tc.wantVictims, tc.wantViolations)
				}
			})
		}
	}
}

func TestNumCandidates(t *testing.T) {
	for _, tc := range []struct{ nodes, want int }{{0, 0}, {5, 5}, {100, 100}, {500, 100}, {2000, 200}} {
		if got := NumCandidates(tc.nodes); got != tc.want {
			t.Errorf("NumCandidates(%d) = %d, want %d", tc.nodes, got, tc.want)
		}
	}
}

// TestDryRunStopsAtEnoughCandidates: on a large cluster the dry run stops
// once NumCandidates candidates are found, so the chosen node is among the
// first ones scanned from the (Rand-chosen) offset.
func TestDryRunStopsAtEnoughCandidates(t *testing.T) {
	var nodes []*corev1.Node
	var pods []*corev1.Pod
	for i := range 300 {
		n := mkNode(nodeName(i), "1")
		nodes = append(nodes, n)
		// The best victim (lowest priority) lives on the last node: it is
		// out of reach because the first 100 nodes already give candidates.
		prio := int32(5)
		if i == 299 {
			prio = 1
		}
		pods = append(pods, mkPod("p-"+n.Name, n.Name, prio, "1"))
	}
	tc := tcase{nodes: nodes, pods: pods, preemptor: mkPod("high", "", 100, "1")}
	c, st := run(t, tc, false)
	if !st.IsSuccess() {
		t.Fatal(st)
	}
	if c.Node != nodeName(0) {
		t.Errorf("node = %s, want %s", c.Node, nodeName(0))
	}

	// With an offset that reaches the best node, it wins.
	f, _ := framework.New(plugins.DefaultPlugins(nil), fixedRand(250))
	snap := framework.NewSnapshot(pods, nodes, nil)
	state := framework.NewCycleState()
	_, err := framework.Schedule(context.Background(), f, state, tc.preemptor, snap, 0)
	var fe *framework.FitError
	if !errors.As(err, &fe) {
		t.Fatal(err)
	}
	c, st = Preempt(context.Background(), Input{Framework: f, State: state, Pod: tc.preemptor, Snapshot: snap, Diagnosis: fe.Diagnosis})
	if !st.IsSuccess() || c.Node != nodeName(299) {
		t.Errorf("got %v %v, want %s", c, st, nodeName(299))
	}
}

type fixedRand int

func (r fixedRand) IntN(n int) int { return int(r) % n }

func nodeName(i int) string {
	return "n" + string(rune('a'+i/100)) + string(rune('a'+i/10%10)) + string(rune('a'+i%10))
}

func TestInputIsNotModified(t *testing.T) {
	nodes := []*corev1.Node{mkNode("n1", "2")}
	pods := []*corev1.Pod{mkPod("low", "n1", 0, "1"), mkPod("low2", "n1", 0, "1")}
	tc := tcase{nodes: nodes, pods: pods, preemptor: mkPod("high", "", 100, "2")}
	f, _ := framework.New(plugins.DefaultPlugins(nil), nil)
	snap := framework.NewSnapshot(tc.pods, tc.nodes, nil)
	state := framework.NewCycleState()
	_, err := framework.Schedule(context.Background(), f, state, tc.preemptor, snap, 0)
	var fe *framework.FitError
	if !errors.As(err, &fe) {
		t.Fatal(err)
	}
	ni, _ := snap.Get("n1")
	before := ni.Requested.MilliCPU
	for _, rerun := range []bool{false, true} {
		c, st := Preempt(context.Background(), Input{Framework: f, State: state, Pod: tc.preemptor, Snapshot: snap, Diagnosis: fe.Diagnosis, RerunPreFilter: rerun})
		if !st.IsSuccess() || len(c.Victims) != 2 {
			t.Fatalf("got %v %v", c, st)
		}
	}
	if ni2, _ := snap.Get("n1"); ni2 != ni || len(ni.Pods) != 2 || ni.Requested.MilliCPU != before {
		t.Errorf("snapshot modified: %d pods, %d mcpu", len(ni.Pods), ni.Requested.MilliCPU)
	}
}

package plugins

import (
	"fmt"
	"math/rand/v2"
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

func TestImageLocality(t *testing.T) {
	withImages := func(n *v1.Node, imgs ...v1.ContainerImage) *v1.Node { n.Status.Images = imgs; return n }
	img := func(size int64, names ...string) v1.ContainerImage {
		return v1.ContainerImage{Names: names, SizeBytes: size}
	}
	n1 := withImages(mkNode("n1", nil), img(500*mib, "big:latest"), img(10*mib, "tiny:1"))
	n2 := withImages(mkNode("n2", nil), img(500*mib, "big:latest"), img(2000*mib, "huge:1"))
	n3 := mkNode("n3", nil)
	snap := fw.NewSnapshot(nil, []*v1.Node{n1, n2, n3}, nil)
	pod := func(images ...string) *v1.Pod {
		p := mkPod("p", nil)
		p.Spec.Containers = nil
		for _, i := range images {
			p.Spec.Containers = append(p.Spec.Containers, v1.Container{Name: i, Image: i})
		}
		return p
	}
	tests := []struct {
		name string
		pod  *v1.Pod
		want []int64
	}{
		// big on 2 of 3 nodes: 500Mi*2/3=333Mi -> (333-23)/(1000-23)*100 = 31.
		{"untagged name normalised, spread-scaled", pod("big"), []int64{31, 31, 0}},
		{"below the minimum threshold", pod("tiny:1"), []int64{0, 0, 0}},
		{"on no node", pod("absent:1"), []int64{0, 0, 0}},
		// huge on 1 of 3: 2000Mi/3=666Mi -> 65.
		{"large image", pod("huge:1"), []int64{0, 65, 0}},
		// two containers: threshold 2000Mi; n2 has 333+666=1000Mi -> (1000-23)/(2000-23) = 49.
		{"threshold grows with containers", pod("big", "huge:1"), []int64{15, 49, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := scoreAll(t, ImageLocality{}, tc.pod, snap)
			for i := range tc.want {
				if got[i] != tc.want[i] {
					t.Fatalf("scores = %v, want %v", got, tc.want)
				}
			}
		})
	}
	for img, skip := range map[string]bool{"tiny:1": true, "absent:1": true, "big": false, "huge:1": false} {
		if got := (ImageLocality{}).PreScore(ctx, fw.NewCycleState(), pod(img), snap.List(), snap).IsSkip(); got != skip {
			t.Errorf("image %s: PreScore skip %v, want %v", img, got, skip)
		}
	}
	for in, want := range map[string]string{"nginx": "nginx:latest", "nginx:1.2": "nginx:1.2", "reg:5000/nginx": "reg:5000/nginx:latest", "a@sha256:ab": "a@sha256:ab"} {
		if got := normalizedImageName(in); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

// PreScore skips Score exactly when nothing could score: whenever it
// skips, scoring every node anyway gives 0 everywhere, and it does not
// skip a pod some node would score.
func TestImageLocalitySkipsOnlyZeroScores(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	names := []string{"a:1", "b:1", "c:1"}
	skipped, scored := 0, 0
	for range 500 {
		var nodes []*v1.Node
		for i := range 1 + rnd.IntN(4) {
			n := mkNode(fmt.Sprintf("n%d", i), nil)
			for _, name := range names {
				if rnd.IntN(2) == 0 {
					n.Status.Images = append(n.Status.Images, v1.ContainerImage{Names: []string{name}, SizeBytes: rnd.Int64N(60 * mib)})
				}
			}
			nodes = append(nodes, n)
		}
		snap := fw.NewSnapshot(nil, nodes, nil)
		p := mkPod("p", nil)
		p.Spec.Containers = nil
		for i := range 1 + rnd.IntN(2) {
			p.Spec.Containers = append(p.Spec.Containers, v1.Container{Name: fmt.Sprint(i), Image: names[rnd.IntN(len(names))]})
		}
		cs := fw.NewCycleState()
		skip := ImageLocality{}.PreScore(ctx, cs, p, snap.List(), snap).IsSkip()
		// Score every node anyway, with the state PreScore would have made.
		all := &imageLocalityState{total: snap.NumNodes()}
		for _, c := range p.Spec.Containers {
			all.images = append(all.images, normalizedImageName(c.Image))
		}
		cs.Write(imageLocalityKey, all)
		any := false
		for _, ni := range snap.List() {
			s, st := ImageLocality{}.Score(ctx, cs, p, ni)
			if !st.IsSuccess() {
				t.Fatal(st)
			}
			any = any || s != 0
		}
		if skip && any {
			t.Fatalf("PreScore skipped a pod that scores on some node: %v", p.Spec.Containers)
		}
		if skip {
			skipped++
		} else if any {
			scored++
		}
	}
	if skipped == 0 || scored == 0 {
		t.Fatalf("cases not covered: %d skipped, %d scored", skipped, scored)
	}
}

// The bound on image sizes follows the snapshot: Replace raises it at
// once; it comes down only when the snapshot is rebuilt.
func TestSnapshotLargestImage(t *testing.T) {
	n := mkNode("n1", nil)
	n.Status.Images = []v1.ContainerImage{{Names: []string{"a:1", "a@sha256:x"}, SizeBytes: 10}}
	snap := fw.NewSnapshot(nil, []*v1.Node{n, mkNode("n2", nil)}, nil)
	if got := snap.LargestImage("a@sha256:x"); got != 10 {
		t.Fatalf("LargestImage = %d, want 10", got)
	}
	if got := snap.LargestImage("b:1"); got != 0 {
		t.Fatalf("unknown image: %d, want 0", got)
	}
	bigger := fw.NewNodeInfo()
	bigger.SetNode(mkNode("n2", nil))
	bigger.ImageStates["a:1"] = &fw.ImageStateSummary{Size: 30, NumNodes: 2}
	snap.Replace(1, bigger)
	if got := snap.LargestImage("a:1"); got != 30 {
		t.Fatalf("after Replace: %d, want 30", got)
	}
	smaller := fw.NewNodeInfo()
	smaller.SetNode(mkNode("n2", nil))
	snap.Replace(1, smaller)
	if got := snap.LargestImage("a:1"); got != 30 {
		t.Fatalf("a bound must not drop before a rebuild: %d", got)
	}
}

package plugins

import (
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
	for in, want := range map[string]string{"nginx": "nginx:latest", "nginx:1.2": "nginx:1.2", "reg:5000/nginx": "reg:5000/nginx:latest", "a@sha256:ab": "a@sha256:ab"} {
		if got := normalizedImageName(in); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

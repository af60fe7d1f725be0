package plugins

import (
	"context"
	"strings"

	v1 "k8s.io/api/core/v1"

	fw "orca/internal/scheduler/framework"
)

// ImageLocality prefers nodes that already hold the pod's images, scaled
// by how widely each image is spread so that one node with a rare image
// does not attract every such pod (upstream's "spread" factor).
type ImageLocality struct{}

const (
	ImageLocalityName = "ImageLocality"
	mib               = 1024 * 1024
	// Below 23MiB an image pulls fast enough not to matter; 1000MiB per
	// container is where the benefit saturates.
	minImageThreshold     int64 = 23 * mib
	maxContainerThreshold int64 = 1000 * mib
)

func (ImageLocality) Name() string { return ImageLocalityName }

// PreScore names the pod's images once (Score looks each up on every
// node) and takes the cluster size for the spread factor; NodeInfo image
// states carry NumNodes. When even the largest copy of every image the
// pod needs, on every node, would score 0 (images smaller than
// minImageThreshold, like pause or busybox), every node scores 0 and
// Score is skipped: the spread factor is at most 1.
func (ImageLocality) PreScore(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo, snap *fw.Snapshot) *fw.Status {
	st := &imageLocalityState{total: snap.NumNodes()}
	var bound int64
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			name := normalizedImageName(list[i].Image)
			st.images = append(st.images, name)
			bound += snap.LargestImage(name)
		}
	}
	if imageScore(bound, len(st.images)) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	cs.Write(imageLocalityKey, st)
	return nil
}

const imageLocalityKey = "PreScore" + ImageLocalityName

// imageLocalityState is what PreScore hands Score: the pod's images,
// normalized, one per container, and the number of nodes.
type imageLocalityState struct {
	images []string
	total  int
}

func (s *imageLocalityState) Clone() fw.StateData { return s }

// Score maps the summed, spread-scaled image sizes onto [0, 100] between
// the thresholds (the upper one grows with the number of containers).
func (ImageLocality) Score(_ context.Context, cs *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	v, err := cs.Read(imageLocalityKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	st := v.(*imageLocalityState)
	var sum int64
	for _, name := range st.images {
		if is, ok := ni.ImageStates[name]; ok && st.total > 0 {
			sum += int64(float64(is.Size) * float64(is.NumNodes) / float64(st.total))
		}
	}
	return imageScore(sum, len(st.images)), nil
}

func imageScore(sum int64, containers int) int64 {
	maxThreshold := maxContainerThreshold * int64(containers)
	sum = min(max(sum, minImageThreshold), maxThreshold)
	if maxThreshold <= minImageThreshold {
		return 0
	}
	return fw.MaxNodeScore * (sum - minImageThreshold) / (maxThreshold - minImageThreshold)
}

// normalizedImageName adds ":latest" to untagged names, matching how the
// kubelet reports images in node status. Digests already carry a ':'.
func normalizedImageName(name string) string {
	if strings.LastIndex(name, ":") <= strings.LastIndex(name, "/") {
		name += ":latest"
	}
	return name
}

func (ImageLocality) ScoreExtensions() fw.ScoreExtensions { return nil }

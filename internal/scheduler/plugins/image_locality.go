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

// Score needs the cluster size for the spread factor; NodeInfo image
// states carry NumNodes, and the total comes from PreScore. When even the
// largest copy of every image the pod needs, on every node, would score 0
// (images smaller than minImageThreshold, like pause or busybox), every
// node scores 0 and Score is skipped: the spread factor is at most 1.
func (ImageLocality) PreScore(_ context.Context, cs *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo, snap *fw.Snapshot) *fw.Status {
	var bound int64
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			bound += snap.LargestImage(normalizedImageName(list[i].Image))
		}
	}
	if imageScore(bound, len(pod.Spec.InitContainers)+len(pod.Spec.Containers)) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	cs.Write(imageLocalityKey, clusterSize(snap.NumNodes()))
	return nil
}

const imageLocalityKey = "PreScore" + ImageLocalityName

type clusterSize int

func (c clusterSize) Clone() fw.StateData { return c }

// Score maps the summed, spread-scaled image sizes onto [0, 100] between
// the thresholds (the upper one grows with the number of containers).
func (ImageLocality) Score(_ context.Context, cs *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	v, err := cs.Read(imageLocalityKey)
	if err != nil {
		return 0, fw.AsStatus(err)
	}
	total := int(v.(clusterSize))
	var sum int64
	containers := len(pod.Spec.InitContainers) + len(pod.Spec.Containers)
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if st, ok := ni.ImageStates[normalizedImageName(list[i].Image)]; ok && total > 0 {
				sum += int64(float64(st.Size) * float64(st.NumNodes) / float64(total))
			}
		}
	}
	return imageScore(sum, containers), nil
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

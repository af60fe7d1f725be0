package volume

import (
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// setupEmptyDir creates an emptyDir: a world-writable directory on the
// node's disk, or a tmpfs for medium Memory (a plain dir on virtual nodes).
func (m *Manager) setupEmptyDir(pod *v1.Pod, v *v1.Volume) (string, error) {
	dir := m.volumeDir(pod, pluginEmptyDir, v.Name)
	switch v.EmptyDir.Medium {
	case v1.StorageMediumDefault:
		return dir, m.makeEmptyDir(pod, dir)
	case v1.StorageMediumMemory:
		return dir, m.makeTmpfsDir(pod, dir, m.memoryVolumeSize(pod, v.EmptyDir.SizeLimit))
	}
	return "", fmt.Errorf("emptyDir medium %q is not supported", v.EmptyDir.Medium)
}

// makeEmptyDir creates dir once with mode 0777 (upstream's, so any
// container user can write) and the pod's fsGroup.
func (m *Manager) makeEmptyDir(pod *v1.Pod, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	// Chmod, not Mkdir's mode: the umask must not narrow it.
	if err := os.Chmod(dir, 0o777); err != nil {
		return err
	}
	return applyFSGroup(dir, fsGroup(pod), false)
}

// makeTmpfsDir creates dir and mounts a tmpfs on it unless one already is
// (or NoMount is set, when it is a plain dir).
func (m *Manager) makeTmpfsDir(pod *v1.Pod, dir string, size int64) error {
	if m.o.NoMount {
		return m.makeEmptyDir(pod, dir)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	mounted, err := isMountPoint(dir)
	if err != nil || mounted {
		return err
	}
	if err := mountTmpfs(dir, size); err != nil {
		return err
	}
	return applyFSGroup(dir, fsGroup(pod), false)
}

// memoryVolumeSize caps a memory-backed volume as upstream does: by the
// node's allocatable memory, then the pod's memory limit, then the
// volume's sizeLimit, whichever is smallest. 0 means no cap known.
func (m *Manager) memoryVolumeSize(pod *v1.Pod, sizeLimit *resource.Quantity) int64 {
	var size int64
	if m.o.NodeAllocatable != nil {
		if q, ok := m.o.NodeAllocatable()[v1.ResourceMemory]; ok {
			size = q.Value()
		}
	}
	size = smallerPositive(size, podMemoryLimit(pod))
	if sizeLimit != nil {
		size = smallerPositive(size, sizeLimit.Value())
	}
	return size
}

// smallerPositive returns the smaller of a and b, ignoring values <= 0.
func smallerPositive(a, b int64) int64 {
	switch {
	case b <= 0:
		return a
	case a <= 0 || b < a:
		return b
	}
	return a
}

// podMemoryLimit is the pod's memory limit as its cgroup gets it: the
// pod-level limit if set, else app containers plus sidecars, or the largest
// init container (plus the sidecars started before it) if that is more.
// 0 when any container is unlimited.
func podMemoryLimit(pod *v1.Pod) int64 {
	if pod.Spec.Resources != nil {
		if q, ok := pod.Spec.Resources.Limits[v1.ResourceMemory]; ok {
			return q.Value()
		}
	}
	var apps, sidecars, inits int64
	for _, c := range pod.Spec.Containers {
		l := memoryLimit(&c)
		if l == 0 {
			return 0
		}
		apps += l
	}
	for _, c := range pod.Spec.InitContainers {
		l := memoryLimit(&c)
		if l == 0 {
			return 0
		}
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			sidecars += l
		} else {
			inits = max(inits, l+sidecars)
		}
	}
	return max(apps+sidecars, inits)
}

func memoryLimit(c *v1.Container) int64 {
	q := c.Resources.Limits[v1.ResourceMemory]
	return q.Value()
}

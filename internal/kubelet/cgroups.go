package kubelet

import (
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// removePodCgroups deletes a pod's cgroup directories in every hierarchy:
// the runtime removes its containers' cgroups but not the pod's own.
func removePodCgroups(root string, uid types.UID) {
	if root == "" {
		return
	}
	mounts, _ := filepath.Glob("/sys/fs/cgroup/*")
	mounts = append(mounts, "/sys/fs/cgroup")
	for _, m := range mounts {
		for _, tier := range []string{"", "burstable", "besteffort"} {
			dir := filepath.Join(m, root, tier, "pod"+string(uid))
			removeCgroupTree(dir)
		}
	}
}

// removeCgroupTree removes a cgroup and its children, deepest first
// (cgroup directories can only be removed empty, with rmdir).
func removeCgroupTree(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			removeCgroupTree(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir)
}

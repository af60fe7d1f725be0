package volume

import (
	"os"

	v1 "k8s.io/api/core/v1"
)

func fsGroup(pod *v1.Pod) *int64 {
	if pod.Spec.SecurityContext == nil {
		return nil
	}
	return pod.Spec.SecurityContext.FSGroup
}

// Upstream's fsGroup rule: files join the group and get group read (and
// write unless the volume is read-only); directories also get group
// execute and setgid so new files inherit the group.
const (
	rwMask   os.FileMode = 0o660
	roMask   os.FileMode = 0o440
	execMask os.FileMode = 0o110
)

// groupMode is the mode a file or directory ends up with under fsGroup.
func groupMode(mode os.FileMode, dir bool, gid *int64, readOnly bool) os.FileMode {
	if gid == nil {
		return mode
	}
	mask := rwMask
	if readOnly {
		mask = roMask
	}
	if dir {
		mask |= os.ModeSetgid | execMask
	}
	return mode | mask
}

// applyFSGroup gives one path the pod's fsGroup (a no-op without one).
func applyFSGroup(path string, gid *int64, readOnly bool) error {
	if gid == nil {
		return nil
	}
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if err := os.Lchown(path, -1, int(*gid)); err != nil {
		return err
	}
	if info.Mode()&os.ModeSymlink != 0 {
		return nil // chmod would follow the link
	}
	return os.Chmod(path, groupMode(info.Mode(), info.IsDir(), gid, readOnly))
}

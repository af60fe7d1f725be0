package volume

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"orca/internal/kubelet/expansion"

	v1 "k8s.io/api/core/v1"
)

// subPath is the mount's subPath, or its subPathExpr with $(VAR)
// references expanded from env. Every referenced variable must be set and
// non-empty, as upstream requires.
func subPath(vm *v1.VolumeMount, env map[string]string) (string, error) {
	if vm.SubPathExpr == "" {
		return vm.SubPath, nil
	}
	var missing []string
	out := expansion.Expand(vm.SubPathExpr, func(name string) (string, bool) {
		v := env[name]
		if v == "" {
			missing = append(missing, name)
		}
		return v, true
	})
	if len(missing) > 0 {
		slices.Sort(missing)
		return "", fmt.Errorf("missing value for %s", strings.Join(slices.Compact(missing), ", "))
	}
	return out, nil
}

// prepareSubPath returns the host path of sub inside the volume at root,
// creating it as a directory if missing. Symlinks are resolved and the
// result must stay inside the volume, so a container cannot point a
// subPath at the host's files through a link it planted. (Upstream also
// pins the path with a bind mount against a later swap; orca does not.)
func prepareSubPath(root, sub string) (string, error) {
	if filepath.IsAbs(sub) {
		return "", fmt.Errorf("error SubPath `%s` must not be an absolute path", sub)
	}
	if slices.Contains(strings.Split(filepath.ToSlash(sub), "/"), "..") {
		return "", fmt.Errorf("unable to provision SubPath `%s`: must not contain '..'", sub)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	path := filepath.Join(realRoot, sub)
	if _, err := os.Lstat(path); os.IsNotExist(err) {
		if err := mkdirLike(realRoot, path); err != nil {
			return "", err
		}
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	if !within(real, realRoot) {
		return "", fmt.Errorf("subpath %q not within volume path %q", real, realRoot)
	}
	return real, nil
}

// mkdirLike creates path with the mode of root: the subPath must be as
// writable for the container's user as the volume itself.
func mkdirLike(root, path string) error {
	info, err := os.Stat(root)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(path, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Chmod(path, info.Mode().Perm())
}

// within reports whether path is root or below it.
func within(path, root string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

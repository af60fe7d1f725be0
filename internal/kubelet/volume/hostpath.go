package volume

import (
	"fmt"
	"os"

	v1 "k8s.io/api/core/v1"
)

// setupHostPath checks (and for the *OrCreate types creates) a hostPath
// volume's path as upstream does, and returns the path itself: containers
// bind-mount the host's file or directory directly.
func setupHostPath(path string, typ *v1.HostPathType) (string, error) {
	t := v1.HostPathUnset
	if typ != nil {
		t = *typ
	}
	if err := checkHostPath(path, t); err != nil {
		return "", err
	}
	return path, nil
}

func checkHostPath(path string, t v1.HostPathType) error {
	switch t {
	case v1.HostPathUnset:
		return nil
	case v1.HostPathDirectoryOrCreate:
		if !exists(path) {
			return os.MkdirAll(path, 0o755)
		}
		return expectType(path, v1.HostPathDirectory, "a directory")
	case v1.HostPathDirectory:
		return expectType(path, v1.HostPathDirectory, "a directory")
	case v1.HostPathFileOrCreate:
		if !exists(path) {
			return createFile(path)
		}
		return expectType(path, v1.HostPathFile, "a file")
	case v1.HostPathFile:
		return expectType(path, v1.HostPathFile, "a file")
	case v1.HostPathSocket:
		return expectType(path, v1.HostPathSocket, "a socket file")
	case v1.HostPathCharDev:
		return expectType(path, v1.HostPathCharDev, "a character device")
	case v1.HostPathBlockDev:
		return expectType(path, v1.HostPathBlockDev, "a block device")
	}
	return fmt.Errorf("%s is an invalid volume type", t)
}

// expectType fails unless path (symlinks followed) is of kind want.
func expectType(path string, want v1.HostPathType, what string) error {
	if fileType(path) != want {
		return fmt.Errorf("hostPath type check failed: %s is not %s", path, what)
	}
	return nil
}

// fileType classifies path the way hostPath types name kinds; "" when it
// does not exist or is something else (a fifo).
func fileType(path string) v1.HostPathType {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	m := info.Mode()
	switch {
	case m.IsDir():
		return v1.HostPathDirectory
	case m.IsRegular():
		return v1.HostPathFile
	case m&os.ModeSocket != 0:
		return v1.HostPathSocket
	case m&os.ModeCharDevice != 0:
		return v1.HostPathCharDev
	case m&os.ModeDevice != 0:
		return v1.HostPathBlockDev
	}
	return ""
}

// createFile creates an empty file with mode 0644. Like upstream it does
// not create missing parent directories.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

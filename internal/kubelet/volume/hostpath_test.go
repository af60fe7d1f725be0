package volume

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestHostPathTypes(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "dir")
	regular := filepath.Join(base, "file")
	sock := filepath.Join(base, "sock")
	os.Mkdir(dir, 0o755)
	os.WriteFile(regular, []byte("x"), 0o644)
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(base, "missing")

	tests := []struct {
		name    string
		path    string
		typ     v1.HostPathType
		wantErr string
		created string // "dir" or "file": what must exist afterwards
	}{
		{name: "unset missing ok", path: missing, typ: v1.HostPathUnset},
		{name: "dir ok", path: dir, typ: v1.HostPathDirectory},
		{name: "dir on file", path: regular, typ: v1.HostPathDirectory, wantErr: "is not a directory"},
		{name: "dir missing", path: missing, typ: v1.HostPathDirectory, wantErr: "is not a directory"},
		{name: "dirOrCreate creates parents", path: filepath.Join(base, "new", "sub"), typ: v1.HostPathDirectoryOrCreate, created: "dir"},
		{name: "dirOrCreate existing", path: dir, typ: v1.HostPathDirectoryOrCreate},
		{name: "dirOrCreate on file", path: regular, typ: v1.HostPathDirectoryOrCreate, wantErr: "is not a directory"},
		{name: "file ok", path: regular, typ: v1.HostPathFile},
		{name: "file on dir", path: dir, typ: v1.HostPathFile, wantErr: "is not a file"},
		{name: "fileOrCreate creates", path: filepath.Join(base, "newfile"), typ: v1.HostPathFileOrCreate, created: "file"},
		{name: "fileOrCreate no parent", path: filepath.Join(base, "nodir", "f"), typ: v1.HostPathFileOrCreate, wantErr: "no such file"},
		{name: "fileOrCreate on dir", path: dir, typ: v1.HostPathFileOrCreate, wantErr: "is not a file"},
		{name: "socket ok", path: sock, typ: v1.HostPathSocket},
		{name: "socket on file", path: regular, typ: v1.HostPathSocket, wantErr: "is not a socket file"},
		{name: "char dev ok", path: "/dev/null", typ: v1.HostPathCharDev},
		{name: "char dev on file", path: regular, typ: v1.HostPathCharDev, wantErr: "is not a character device"},
		{name: "block dev on char dev", path: "/dev/null", typ: v1.HostPathBlockDev, wantErr: "is not a block device"},
		{name: "bad type", path: dir, typ: "Bogus", wantErr: "invalid volume type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTest(t, false)
			pod := newPod(v1.Volume{Name: "h", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: tt.path, Type: &tt.typ}}})
			paths, err := m.Setup(t.Context(), pod)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if paths["h"] != tt.path {
				t.Errorf("path = %q, want the host path %q", paths["h"], tt.path)
			}
			switch tt.created {
			case "dir":
				if fileType(tt.path) != v1.HostPathDirectory {
					t.Error("directory not created")
				}
			case "file":
				if fileType(tt.path) != v1.HostPathFile || modeOf(t, tt.path)&0o644 != 0o644 {
					t.Error("file not created")
				}
			}
		})
	}
}

func TestHostPathErrorMessage(t *testing.T) {
	m, _ := newTest(t, false)
	typ := v1.HostPathDirectory
	pod := newPod(v1.Volume{Name: "h", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: "/nonexistent/x", Type: &typ}}})
	_, err := m.Setup(t.Context(), pod)
	want := `MountVolume.SetUp failed for volume "h" : hostPath type check failed: /nonexistent/x is not a directory`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// Package images builds the images end-to-end tests run, as docker
// archives ready for `orca image import` (no registry is reachable on test
// machines): a busybox image and a small HTTP server.
package images

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"orca/internal/image"
)

// busyboxPath is where Debian's busybox-static puts its binary.
const busyboxPath = "/bin/busybox"

// BusyboxRef is the busybox image's reference.
const BusyboxRef = "orca.local/busybox:1"

// Busybox writes the busybox image to dir and returns its archive's path
// and reference: /bin/busybox with a symlink per applet, /etc/passwd and
// /etc/group with root and nobody, and /tmp.
func Busybox(dir string) (archivePath, ref string, err error) {
	files, err := busyboxFiles()
	if err != nil {
		return "", "", err
	}
	archivePath = filepath.Join(dir, "busybox.tar")
	cfg := image.Config{Cmd: []string{"sh"}, Env: []string{pathEnv}}
	return archivePath, BusyboxRef, writeArchive(archivePath, BusyboxRef, files, cfg)
}

// Server builds test/images/server and writes the image
// orca.local/server:<tag> to dir: the busybox image (so tests can exec
// into it) plus /server as entrypoint, with VERSION=<tag> in its
// environment, so two tags make two images that behave distinguishably.
func Server(dir, tag string) (archivePath, ref string, err error) {
	bin, err := buildServer(dir)
	if err != nil {
		return "", "", err
	}
	files, err := busyboxFiles()
	if err != nil {
		return "", "", err
	}
	files = append(files, image.File{Path: "/server", Mode: 0o755, Data: bin})
	ref = "orca.local/server:" + tag
	archivePath = filepath.Join(dir, "server-"+tag+".tar")
	cfg := image.Config{Entrypoint: []string{"/server"}, Env: []string{pathEnv, "VERSION=" + tag}}
	return archivePath, ref, writeArchive(archivePath, ref, files, cfg)
}

const pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func busyboxFiles() ([]image.File, error) {
	bin, err := os.ReadFile(busyboxPath)
	if err != nil {
		return nil, fmt.Errorf("busybox image: %w (install busybox-static)", err)
	}
	if err := checkStatic(busyboxPath); err != nil {
		return nil, err
	}
	applets, err := exec.Command(busyboxPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("busybox --list: %w", err)
	}
	files := []image.File{
		{Path: "/bin/busybox", Mode: 0o755, Data: bin},
		{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
		{Path: "/etc/group", Data: []byte("root:x:0:\nnobody:x:65534:\n")},
		{Path: "/tmp", Mode: os.ModeDir | os.ModeSticky | 0o777},
		{Path: "/root", Mode: os.ModeDir | 0o700},
		{Path: "/usr/bin/env", Link: "/bin/busybox"}, // for #!/usr/bin/env scripts
	}
	for _, name := range strings.Fields(string(applets)) {
		if name != "busybox" && !strings.Contains(name, "/") {
			files = append(files, image.File{Path: "/bin/" + name, Link: "busybox"})
		}
	}
	return files, nil
}

// checkStatic refuses a dynamically linked busybox: the image has no libc.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked; install busybox-static", path)
		}
	}
	return nil
}

// buildServer compiles the server once per dir (static, for this machine).
func buildServer(dir string) ([]byte, error) {
	out := filepath.Join(dir, "server.bin")
	if bin, err := os.ReadFile(out); err == nil {
		return bin, nil
	}
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = filepath.Join(filepath.Dir(self), "server")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build test server: %w: %s", err, stderr.String())
	}
	return os.ReadFile(out)
}

func writeArchive(path, ref string, files []image.File, cfg image.Config) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = image.WriteArchive(f, ref, runtime.GOARCH, files, cfg)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

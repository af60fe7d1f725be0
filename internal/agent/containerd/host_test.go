package containerd

import (
	"errors"
	"path/filepath"
	"testing"
)

func fakeHost(bins []string, files []string) Host {
	binSet, fileSet := map[string]bool{}, map[string]bool{}
	for _, b := range bins {
		binSet[b] = true
	}
	for _, f := range files {
		fileSet[f] = true
	}
	return Host{
		LookPath: func(f string) (string, error) {
			if binSet[f] {
				return "/usr/bin/" + f, nil
			}
			return "", errors.New("not found")
		},
		Exists:     func(p string) bool { return fileSet[p] },
		CNIBinDirs: []string{"/usr/lib/cni", "/opt/cni/bin"},
	}
}

func plugins(dir string, names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join(dir, n))
	}
	return out
}

func TestHostCheck(t *testing.T) {
	allBins := []string{"containerd", "ctr", "containerd-shim-runc-v2", "runc", "nft"}
	allPlugins := plugins("/opt/cni/bin", CNIPlugins...)
	tests := []struct {
		name    string
		bins    []string
		files   []string
		dir     string
		wantDir string
		wantErr string
	}{
		{name: "all present, second default dir", bins: allBins, files: allPlugins, wantDir: "/opt/cni/bin"},
		{name: "iptables instead of nft", bins: []string{"containerd", "ctr", "containerd-shim-runc-v2", "runc", "iptables"},
			files: plugins("/usr/lib/cni", CNIPlugins...), wantDir: "/usr/lib/cni"},
		{name: "explicit dir missing two plugins", bins: allBins, files: plugins("/cni", "host-local", "loopback"), dir: "/cni",
			wantErr: "missing host prerequisites: CNI plugins (bridge, portmap) in /cni; install them with: apt-get install containernetworking-plugins"},
		{name: "nothing", files: nil,
			wantErr: "missing host prerequisites: containerd, ctr, containerd-shim-runc-v2, runc, " +
				"CNI plugins (bridge, host-local, loopback, portmap) in /usr/lib/cni or /opt/cni/bin, nft or iptables; " +
				"install them with: apt-get install containerd runc containernetworking-plugins nftables"},
		{name: "containerd only missing", bins: []string{"runc", "iptables"}, files: allPlugins,
			wantErr: "missing host prerequisites: containerd, ctr, containerd-shim-runc-v2; install them with: apt-get install containerd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := fakeHost(tt.bins, tt.files).Check(tt.dir)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v\nwant  %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || dir != tt.wantDir {
				t.Fatalf("Check = %q, %v; want %q", dir, err, tt.wantDir)
			}
		})
	}
}

package network

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCNIConfig(t *testing.T) {
	data, err := CNIConfig("10.244.3.0/24", "/var/lib/orca/agent/cni/networks")
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		CNIVersion string `json:"cniVersion"`
		Plugins    []struct {
			Type   string `json:"type"`
			Bridge string `json:"bridge"`
			IPMasq *bool  `json:"ipMasq"`
			IPAM   struct {
				Ranges  [][]struct{ Subnet string } `json:"ranges"`
				DataDir string                      `json:"dataDir"`
			} `json:"ipam"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal(data, &conf); err != nil {
		t.Fatal(err)
	}
	if conf.CNIVersion != "1.0.0" || len(conf.Plugins) != 2 || conf.Plugins[0].Type != "bridge" || conf.Plugins[1].Type != "portmap" {
		t.Fatalf("unexpected config %s", data)
	}
	if got := conf.Plugins[0].IPAM.Ranges[0][0].Subnet; got != "10.244.3.0/24" {
		t.Fatalf("subnet %q", got)
	}
	// Masquerading is the agent's (orca-network table): the bridge's would
	// hide pod addresses from pods on other nodes.
	if m := conf.Plugins[0].IPMasq; m == nil || *m {
		t.Fatalf("bridge ipMasq %v, want false: %s", m, data)
	}
	if got := conf.Plugins[0].IPAM.DataDir; got != "/var/lib/orca/agent/cni/networks" {
		t.Fatalf("host-local dataDir %q, want the agent's", got)
	}
	if data, _ := CNIConfig("10.244.3.0/24", ""); strings.Contains(string(data), "dataDir") {
		t.Fatalf("no ipamDir must leave host-local's default: %s", data)
	}
	if _, err := CNIConfig("not-a-cidr", ""); err == nil {
		t.Fatal("bad CIDR accepted")
	}
}

func TestWriteCNIConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "net.d")
	if err := WriteCNIConfig(dir, "10.244.0.0/24", ""); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != ConfigFile {
		t.Fatalf("dir holds %v", entries)
	}
}

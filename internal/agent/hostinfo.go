package agent

import (
	"bufio"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Upstream's default hard eviction thresholds, taken off allocatable.
const (
	evictionMemory      = 100 << 20 // memory.available<100Mi
	evictionDiskPercent = 10        // nodefs.available<10%
	maxPods             = 110
)

// hostResources measures the machine: CPUs, memory, the data dir's disk.
func hostResources(dataDir string) (capacity, allocatable v1.ResourceList) {
	mem := memTotal()
	var disk int64
	var st syscall.Statfs_t
	if syscall.Statfs(dataDir, &st) == nil {
		disk = int64(st.Blocks) * int64(st.Bsize)
	}
	capacity = v1.ResourceList{
		v1.ResourceCPU:              *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		v1.ResourceMemory:           *resource.NewQuantity(mem, resource.BinarySI),
		v1.ResourceEphemeralStorage: *resource.NewQuantity(disk, resource.BinarySI),
		v1.ResourcePods:             *resource.NewQuantity(maxPods, resource.DecimalSI),
	}
	allocatable = capacity.DeepCopy()
	allocatable[v1.ResourceMemory] = *resource.NewQuantity(max(mem-evictionMemory, 0), resource.BinarySI)
	allocatable[v1.ResourceEphemeralStorage] = *resource.NewQuantity(disk-disk*evictionDiskPercent/100, resource.BinarySI)
	return capacity, allocatable
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// systemInfo is the node's nodeInfo, as far as the host tells.
func systemInfo(kubeletVersion string) v1.NodeSystemInfo {
	return v1.NodeSystemInfo{
		MachineID:       readTrim("/etc/machine-id"),
		SystemUUID:      readTrim("/sys/class/dmi/id/product_uuid"),
		BootID:          readTrim("/proc/sys/kernel/random/boot_id"),
		KernelVersion:   readTrim("/proc/sys/kernel/osrelease"),
		OSImage:         osImage(),
		OperatingSystem: runtime.GOOS,
		Architecture:    runtime.GOARCH,
		KubeletVersion:  kubeletVersion,
	}
}

func osImage() string {
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "Linux"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}

func readTrim(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// nodeIP picks the address other nodes reach this one at: the source
// address of the default route (a UDP "connect" sends nothing), else the
// first global unicast address, else loopback.
func nodeIP() net.IP {
	if c, err := net.Dial("udp4", "192.0.2.1:9"); err == nil {
		ip := c.LocalAddr().(*net.UDPAddr).IP
		c.Close()
		if !ip.IsLoopback() {
			return ip
		}
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP
		}
	}
	return net.IPv4(127, 0, 0, 1)
}

// nodeLabels are upstream's well-known labels plus the user's.
func nodeLabels(name string, extra map[string]string) map[string]string {
	l := map[string]string{
		v1.LabelHostname:          name,
		v1.LabelOSStable:          runtime.GOOS,
		v1.LabelArchStable:        runtime.GOARCH,
		"beta.kubernetes.io/os":   runtime.GOOS,
		"beta.kubernetes.io/arch": runtime.GOARCH,
	}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

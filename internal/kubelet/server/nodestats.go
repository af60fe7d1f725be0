package server

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Node usage comes from /proc: CPU time from /proc/stat, memory from
// /proc/meminfo, computed the way cAdvisor reports the root cgroup.

// nanosPerTick is one USER_HZ tick (100 Hz on every Linux platform).
const nanosPerTick = uint64(time.Second / 100)

type cpuSample struct {
	at    time.Time
	usage uint64 // core-nanoseconds not idle since boot
}

// readNodeCPU sums the busy columns of the "cpu" line of /proc/stat.
func readNodeCPU() (cpuSample, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuSample{}, err
	}
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	fields := strings.Fields(string(line))
	if len(fields) < 8 || fields[0] != "cpu" {
		return cpuSample{}, fmt.Errorf("unexpected /proc/stat: %q", line)
	}
	var ticks uint64
	// user nice system idle iowait irq softirq steal: all but idle and iowait.
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuSample{}, err
		}
		ticks += n
	}
	return cpuSample{at: time.Now(), usage: ticks * nanosPerTick}, nil
}

// bootTime is btime of /proc/stat.
func bootTime() time.Time {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			if sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(sec, 0)
			}
		}
	}
	return time.Time{}
}

// nodeCPU reports total usage and the rate since the previous call.
func (s *Server) nodeCPU() *CPUStats {
	cur, err := readNodeCPU()
	if err != nil {
		return nil
	}
	s.cpuMu.Lock()
	prev := s.lastCPU
	s.lastCPU = cur
	s.cpuMu.Unlock()
	st := &CPUStats{Time: metav1.NewTime(cur.at), UsageCoreNanoSeconds: ptr(cur.usage)}
	if elapsed := cur.at.Sub(prev.at); !prev.at.IsZero() && elapsed > 0 && cur.usage >= prev.usage {
		st.UsageNanoCores = ptr(uint64(float64(cur.usage-prev.usage) / elapsed.Seconds()))
	}
	return st
}

// nodeMemory: usage is what is not free, the working set leaves out
// inactive page cache (reclaimable), available is capacity minus that.
func nodeMemory() *MemoryStats {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	kb := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		if n, err := strconv.ParseUint(fields[1], 10, 64); err == nil {
			kb[strings.TrimSuffix(fields[0], ":")] = n * 1024
		}
	}
	total, free := kb["MemTotal"], kb["MemFree"]
	if total == 0 {
		return nil
	}
	usage := total - free
	working := usage
	if inactive := kb["Inactive(file)"]; inactive < working {
		working -= inactive
	}
	return &MemoryStats{
		Time: metav1.Now(), UsageBytes: ptr(usage), WorkingSetBytes: ptr(working),
		AvailableBytes: ptr(total - working), RSSBytes: ptr(kb["AnonPages"]),
	}
}

func ptr[T any](v T) *T { return &v }

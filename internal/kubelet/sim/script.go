package sim

import (
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Annotation keys read from the pod sandbox config (the pod's annotations).
// Each key may be suffixed with "." + container name to apply to one
// container only; the suffixed form wins over the container config's own
// annotation of the same key, which wins over the pod-wide key.
const (
	AnnotationPrefix = "sim.orca.dev/"

	// AnnotationExitCode: the container exits with this code. Without
	// run-for it exits as soon as it starts. 0 → reason Completed, else Error.
	AnnotationExitCode = AnnotationPrefix + "exit-code"
	// AnnotationRunFor: a Go duration; the container exits this long after it
	// starts (with exit-code, default 0).
	AnnotationRunFor = AnnotationPrefix + "run-for"
	// AnnotationCrash: "true" → exit immediately (or after run-for) with code 1
	// (or exit-code).
	AnnotationCrash = AnnotationPrefix + "crash"
	// AnnotationOOM: "true" → the container ends OOMKilled, exit code 137,
	// immediately or after run-for.
	AnnotationOOM = AnnotationPrefix + "oom"
	// AnnotationUntilAttempt: "N" → the exit/crash/oom script applies only to
	// attempts < N; later restarts run until stopped (crash, then recover).
	AnnotationUntilAttempt = AnnotationPrefix + "until-attempt"
	// AnnotationStartDelay: a Go duration overriding Options.StartDelay.
	AnnotationStartDelay = AnnotationPrefix + "start-delay"
	// AnnotationShutdownDelay: a Go duration the process takes to exit after
	// SIGTERM (StopContainer blocks that long); at or beyond the stop timeout the
	// container is killed (137) at the timeout.
	AnnotationShutdownDelay = AnnotationPrefix + "shutdown-delay"
	// AnnotationIgnoreSIGTERM: "true" → SIGTERM is ignored, StopContainer waits
	// the whole timeout and kills (137), like busybox sleep as PID 1.
	AnnotationIgnoreSIGTERM = AnnotationPrefix + "ignore-sigterm"
	// AnnotationTermExitCode: exit code after a graceful SIGTERM exit (default 0).
	AnnotationTermExitCode = AnnotationPrefix + "term-exit-code"
	// AnnotationExecExitCode: exit code of every ExecSync (default 0), to drive
	// exec probes. Read at exec time.
	AnnotationExecExitCode = AnnotationPrefix + "exec-exit-code"
	// AnnotationExecStdout: stdout of every ExecSync. Read at exec time.
	AnnotationExecStdout = AnnotationPrefix + "exec-stdout"
	// AnnotationCPU: simulated CPU use of a running container as a quantity of
	// cores ("250m"); default 1m. Reported by the stats calls.
	AnnotationCPU = AnnotationPrefix + "cpu"
	// AnnotationMemory: simulated working set of a running container as a
	// quantity ("64Mi"); default 4Mi.
	AnnotationMemory = AnnotationPrefix + "memory"
	// AnnotationSandboxError: RunPodSandbox fails with this message (pod-wide
	// only; no container suffix).
	AnnotationSandboxError = AnnotationPrefix + "sandbox-error"
)

const (
	defaultCPUNanoCores = 1_000_000 // 1m
	defaultMemoryBytes  = 4 << 20
)

// script is the parsed, per-container behaviour (about 50 bytes).
type script struct {
	runFor        time.Duration // when to exit after start, if exit
	startDelay    time.Duration
	shutdownDelay time.Duration // <0: ignores SIGTERM
	cpuNanoCores  uint64
	memoryBytes   uint64
	exitCode      int32
	termExitCode  int32
	exit          bool
	oom           bool
}

func (s *script) exits() bool { return s.exit }

// lookup finds key for container name: pod annotation key.name, then the
// container's own annotation key, then pod annotation key.
func lookup(pod, ctr map[string]string, key, name string) (string, bool) {
	if len(pod) > 0 && name != "" {
		if v, ok := pod[key+"."+name]; ok {
			return v, true
		}
	}
	if v, ok := ctr[key]; ok {
		return v, true
	}
	v, ok := pod[key]
	return v, ok
}

func parseScript(pod, ctr map[string]string, name string, attempt uint32, defaultStartDelay time.Duration) script {
	s := script{
		startDelay:   defaultStartDelay,
		cpuNanoCores: defaultCPUNanoCores,
		memoryBytes:  defaultMemoryBytes,
	}
	if len(pod) == 0 && len(ctr) == 0 {
		return s
	}
	get := func(key string) (string, bool) { return lookup(pod, ctr, key, name) }
	isTrue := func(key string) bool {
		v, ok := get(key)
		b, _ := strconv.ParseBool(v)
		return ok && b
	}
	dur := func(key string) (time.Duration, bool) {
		v, ok := get(key)
		if !ok {
			return 0, false
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, false
		}
		return d, true
	}
	code := func(key string) (int32, bool) {
		v, ok := get(key)
		if !ok {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return 0, false
		}
		return int32(n), true
	}
	qty := func(key string, nano bool) (uint64, bool) {
		v, ok := get(key)
		if !ok {
			return 0, false
		}
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Sign() < 0 {
			return 0, false
		}
		if nano {
			return uint64(q.ScaledValue(resource.Nano)), true
		}
		return uint64(q.Value()), true
	}

	if d, ok := dur(AnnotationStartDelay); ok {
		s.startDelay = d
	}
	if d, ok := dur(AnnotationShutdownDelay); ok {
		s.shutdownDelay = d
	}
	if isTrue(AnnotationIgnoreSIGTERM) {
		s.shutdownDelay = -1
	}
	if c, ok := code(AnnotationTermExitCode); ok {
		s.termExitCode = c
	}
	if n, ok := qty(AnnotationCPU, true); ok {
		s.cpuNanoCores = n
	}
	if n, ok := qty(AnnotationMemory, false); ok {
		s.memoryBytes = n
	}

	if c, ok := code(AnnotationUntilAttempt); ok && int64(attempt) >= int64(c) {
		return s // script exhausted: run until stopped
	}
	runFor, hasRunFor := dur(AnnotationRunFor)
	exitCode, hasExitCode := code(AnnotationExitCode)
	switch {
	case isTrue(AnnotationOOM):
		s.exit, s.oom = true, true
	case isTrue(AnnotationCrash):
		s.exit = true
		s.exitCode = 1
		if hasExitCode {
			s.exitCode = exitCode
		}
	case hasExitCode || hasRunFor:
		s.exit = true
		s.exitCode = exitCode
	}
	s.runFor = runFor
	return s
}

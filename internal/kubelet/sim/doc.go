// Package sim is an in-process simulated container runtime. *Runtime
// implements the CRI Go interfaces k8s.io/cri-api/pkg/apis.RuntimeService and
// ImageManagerService, so virtual nodes run the real kubelet code against it
// (DESIGN.md rule 5). It answers the way containerd's CRI plugin does: same
// gRPC status codes and similar messages, containerd-shaped IDs, image
// references normalized to docker.io/library/x:tag, name reservation per
// name+attempt, Completed/Error/OOMKilled reasons.
//
// # Lifecycle
//
// RunPodSandbox → READY with an IP from the pod CIDR (round-robin like CNI
// host-local; network, gateway .1 and broadcast are skipped; host-network pods
// get none). StopPodSandbox kills running containers (exit 137) and marks the
// sandbox NOTREADY; RemovePodSandbox force-stops, removes its containers and
// releases the IP and the name. CreateContainer needs the image in the store;
// StartContainer returns at once and the container is RUNNING after the start
// delay; then it runs until stopped or until its script ends it.
//
// Sandbox and container names are reserved per (name, namespace, uid,
// attempt) and (container, pod, namespace, uid, attempt): reusing one that is
// still present fails with AlreadyExists "name ... is reserved for ...";
// restarts must use a new Attempt (as with containerd).
//
// # Scripting by pod annotation
//
// The pod's annotations (which the kubelet copies into the sandbox config)
// script each container. Every key may be suffixed with ".<container name>" to
// target one container, e.g. sim.orca.dev/exit-code.init-db: "0". Keys:
//
//	sim.orca.dev/exit-code: "N"        exit with N (0 → Completed, else Error); at once unless run-for
//	sim.orca.dev/run-for: "2s"         exit that long after start (exit-code, default 0)
//	sim.orca.dev/crash: "true"         exit at once (or after run-for) with 1 (or exit-code)
//	sim.orca.dev/oom: "true"           end with reason OOMKilled, exit 137 (at once or after run-for)
//	sim.orca.dev/until-attempt: "N"    the exit script only applies to attempts < N
//	sim.orca.dev/start-delay: "500ms"  CREATED → RUNNING delay (overrides Options.StartDelay)
//	sim.orca.dev/shutdown-delay: "3s"  time to exit after SIGTERM (StopContainer blocks)
//	sim.orca.dev/ignore-sigterm: "true" StopContainer waits the full timeout, then exit 137
//	sim.orca.dev/term-exit-code: "N"   exit code after a graceful SIGTERM exit (default 0)
//	sim.orca.dev/exec-exit-code: "N"   exit code of ExecSync (exec probes), default 0
//	sim.orca.dev/exec-stdout: "text"   stdout of ExecSync
//	sim.orca.dev/cpu: "250m"           simulated CPU use while running (default 1m)
//	sim.orca.dev/memory: "64Mi"        simulated working set while running (default 4Mi)
//	sim.orca.dev/sandbox-error: "msg"  RunPodSandbox fails (pod-wide only)
//
// The same unsuffixed keys in the container config's own annotations (set by
// the kubelet) apply too, after the suffixed pod key and before the pod-wide
// key. Malformed values are ignored. SetExecExitCode overrides the exec exit
// code of one container at run time.
//
// # Time, memory, concurrency
//
// All timestamps and delays come from Options.Clock (a k8s.io/utils/clock;
// inject testing.FakeClock for deterministic tests). Transitions due by the
// clock are applied lazily on every read, so a test that steps a fake clock
// sees the new state on its next call. A single clock timer (for the earliest
// pending deadline) lets GetContainerEvents subscribers hear about timed
// transitions; there is no goroutine per container. StopContainer with a grace
// period and PullImage with Options.PullDelay block on the clock.
//
// One mutex guards all state; methods never block while holding it. Config
// objects passed in (metadata, labels, annotations, mounts, resources) are kept
// by reference and shared, read-only, with returned objects: callers hand them
// over as they would over gRPC and must not mutate them afterwards. This keeps
// a pod with one container at well under 2 KiB of runtime state (see
// BenchmarkMemoryPerPod).
//
// # Not simulated
//
// Exec, Attach, PortForward (need a streaming server), CheckpointContainer,
// CheckpointPod and RestorePod return codes.Unimplemented.
// UpdatePodSandboxResources and ReopenContainerLog are accepted no-ops;
// ListMetricDescriptors and ListPodSandboxMetrics return empty lists.
// UpdateRuntimeConfig switches the pod CIDR (the kubelet sends the node's
// podCIDR). No files are written: log paths are reported, never created.
//
// # Known differences from containerd
//
//   - A pod IP is released at RemovePodSandbox, not at StopPodSandbox (the CNI
//     DEL happens at stop in containerd), so a stopped sandbox keeps its IP.
//   - StartContainer returns before the container runs; containerd's call
//     blocks until the task has started.
//   - State errors (start of a non-CREATED container, exec in a stopped one,
//     create in a NOTREADY sandbox) use FailedPrecondition; containerd 1.6
//     returns most of them as Unknown with similar text.
//   - Duplicate names use AlreadyExists; containerd's registrar error carries
//     no code (Unknown) but the same "is reserved for" text.
//   - The default SIGTERM reaction is a clean exit 0; a real PID 1 without a
//     handler ignores SIGTERM (use sim.orca.dev/ignore-sigterm for that).
//   - ListImages honours a filter image (containerd ignores filters).
//   - Image IDs, digests and sizes are derived from the reference, so the same
//     content under two tags is two images.
//   - Unique ID prefixes are accepted like containerd's truncindex; an
//     ambiguous prefix is reported as NotFound.
package sim

// Package prober runs the kubelet's liveness, readiness and startup probes.
//
// One worker goroutine runs per (pod, container, probe kind). Each tick it
// asks the StateSource which container instance is current, decides whether
// the probe is due (initialDelaySeconds, startup gating, on hold after a
// liveness kill), runs it through a Runner, and folds the outcome into the
// successThreshold/failureThreshold counters. Results are stored per
// container ID, so a restarted container starts from a clean slate.
//
// The kubelet reads results with Ready and Started, and is told about changes
// through Options.OnChange (readiness or startup moved) and
// Options.OnLivenessFailure (the container must be killed).
//
// Differences from upstream worth knowing:
//   - No random jitter before a worker's first probe. Upstream adds it only
//     right after a kubelet restart, to spread load; orca keeps probe timing
//     deterministic instead.
//   - Workers never stop on their own (upstream stops when the pod is
//     terminal or a Never-restart container exited); they run until
//     RemovePod, which the kubelet calls when the pod is gone.
//   - A Runner answer of Unknown without an error is treated like an error
//     (event, result discarded) rather than as a failure.
//   - gRPC probes fail fast when the port refuses connections, rather than
//     retrying until timeoutSeconds.
package prober

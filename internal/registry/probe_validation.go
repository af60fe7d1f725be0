package registry

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation of probes and lifecycle hooks, as upstream's validateProbe,
// validateHandler and validateLifecycle.

func validateProbes(c *corev1.Container, p *field.Path) field.ErrorList {
	errs := validateProbe(c.LivenessProbe, p.Child("livenessProbe"))
	errs = append(errs, mustBeOne(c.LivenessProbe, p.Child("livenessProbe"))...)
	errs = append(errs, validateProbe(c.ReadinessProbe, p.Child("readinessProbe"))...)
	if c.ReadinessProbe != nil && c.ReadinessProbe.TerminationGracePeriodSeconds != nil {
		errs = append(errs, field.Invalid(p.Child("readinessProbe", "terminationGracePeriodSeconds"),
			*c.ReadinessProbe.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
	}
	errs = append(errs, validateProbe(c.StartupProbe, p.Child("startupProbe"))...)
	return append(errs, mustBeOne(c.StartupProbe, p.Child("startupProbe"))...)
}

// mustBeOne: liveness and startup probes succeed on their first success.
func mustBeOne(pr *corev1.Probe, p *field.Path) field.ErrorList {
	if pr != nil && pr.SuccessThreshold != 1 {
		return field.ErrorList{field.Invalid(p.Child("successThreshold"), pr.SuccessThreshold, "must be 1")}
	}
	return nil
}

func validateProbe(pr *corev1.Probe, p *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	h := &pr.ProbeHandler
	errs := validateHandlers(p, handlerSet{exec: h.Exec, httpGet: h.HTTPGet, tcpSocket: h.TCPSocket, grpc: h.GRPC})
	errs = append(errs, nonNegative(int64(pr.InitialDelaySeconds), p.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(int64(pr.TimeoutSeconds), p.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.PeriodSeconds), p.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.SuccessThreshold), p.Child("successThreshold"))...)
	errs = append(errs, nonNegative(int64(pr.FailureThreshold), p.Child("failureThreshold"))...)
	if t := pr.TerminationGracePeriodSeconds; t != nil && *t <= 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *t, "must be greater than 0"))
	}
	return errs
}

func validateLifecycle(l *corev1.Lifecycle, p *field.Path) field.ErrorList {
	if l == nil {
		return nil
	}
	var errs field.ErrorList
	hooks := []struct {
		name string
		h    *corev1.LifecycleHandler
	}{{"postStart", l.PostStart}, {"preStop", l.PreStop}}
	for _, hk := range hooks {
		if h := hk.h; h != nil {
			errs = append(errs, validateHandlers(p.Child(hk.name), handlerSet{exec: h.Exec, httpGet: h.HTTPGet, tcpSocket: h.TCPSocket, sleep: h.Sleep})...)
		}
	}
	return errs
}

// handlerSet is the union of probe and lifecycle handler kinds.
type handlerSet struct {
	exec      *corev1.ExecAction
	httpGet   *corev1.HTTPGetAction
	tcpSocket *corev1.TCPSocketAction
	grpc      *corev1.GRPCAction
	sleep     *corev1.SleepAction
}

// validateHandlers: exactly one handler, each valid.
func validateHandlers(p *field.Path, h handlerSet) field.ErrorList {
	var errs field.ErrorList
	n := 0
	one := func(name string, set bool, check func() field.ErrorList) {
		if !set {
			return
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 handler type"))
			return
		}
		n++
		errs = append(errs, check()...)
	}
	one("exec", h.exec != nil, func() field.ErrorList { return validateExec(h.exec, p.Child("exec")) })
	one("httpGet", h.httpGet != nil, func() field.ErrorList { return validateHTTPGet(h.httpGet, p.Child("httpGet")) })
	one("tcpSocket", h.tcpSocket != nil, func() field.ErrorList { return portNumOrName(h.tcpSocket.Port, p.Child("tcpSocket", "port")) })
	one("grpc", h.grpc != nil, func() field.ErrorList {
		return msgsInvalid(p.Child("grpc", "port"), h.grpc.Port, validation.IsValidPortNum(int(h.grpc.Port)))
	})
	one("sleep", h.sleep != nil, func() field.ErrorList { return nonNegative(h.sleep.Seconds, p.Child("sleep", "seconds")) })
	if n == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type"))
	}
	return errs
}

func validateExec(e *corev1.ExecAction, p *field.Path) field.ErrorList {
	if len(e.Command) == 0 {
		return field.ErrorList{field.Required(p.Child("command"), "")}
	}
	return nil
}

func validateHTTPGet(h *corev1.HTTPGetAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	errs = append(errs, portNumOrName(h.Port, p.Child("port"))...)
	if h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
		errs = append(errs, field.NotSupported(p.Child("scheme"), h.Scheme, []corev1.URIScheme{corev1.URISchemeHTTP, corev1.URISchemeHTTPS}))
	}
	for _, hdr := range h.HTTPHeaders {
		errs = append(errs, msgsInvalid(p.Child("httpHeaders"), hdr.Name, validation.IsHTTPHeaderName(hdr.Name))...)
	}
	return errs
}

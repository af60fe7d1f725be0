// Package framework holds the scheduler's pure core: the per-cycle state, the
// node/pod bookkeeping of an immutable snapshot, the plugin interfaces and the
// runner that threads a pod through them. Nothing here does I/O.
package framework

import (
	"errors"
	"strings"
)

// Code is the outcome of one plugin at one extension point.
type Code int

const (
	// Success: the plugin has no objection. A nil *Status also means Success.
	Success Code = iota
	// Error: an internal failure; the pod is retried, not reported as unfit.
	Error
	// Unschedulable: the node does not fit now, but preemption or a change in
	// cluster state could make it fit.
	Unschedulable
	// UnschedulableAndUnresolvable: nothing short of changing the pod or the
	// node's own spec will help, so preemption need not try this node.
	UnschedulableAndUnresolvable
	// Skip: returned by PreFilter/PreScore to say the matching Filter/Score of
	// the same plugin has nothing to do for this pod.
	Skip
)

var codeNames = [...]string{"Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Skip"}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Unknown"
}

// Status carries a Code, human-readable reasons and the plugin that failed.
type Status struct {
	code    Code
	reasons []string
	err     error
	plugin  string
}

// NewStatus builds a Status with the given reasons.
func NewStatus(code Code, reasons ...string) *Status {
	return &Status{code: code, reasons: reasons}
}

// AsStatus wraps an internal error; nil stays nil (Success).
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{code: Error, reasons: []string{err.Error()}, err: err}
}

// Code returns Success for a nil Status so callers need no nil checks.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// Reasons returns the reasons; FitError counts them across nodes.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	return s.reasons
}

// Message joins the reasons the way upstream prints a single status.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.reasons, ", ")
}

// Plugin names the plugin that produced a non-success status.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

// WithPlugin returns a copy naming the failing plugin; the runner calls it
// so plugins need not name themselves. It copies because a plugin may
// return one shared Status for many nodes concurrently.
func (s *Status) WithPlugin(name string) *Status {
	if s == nil {
		return nil
	}
	c := *s
	c.plugin = name
	return &c
}

// AsError returns the status as an error; nil for success and skip.
func (s *Status) AsError() error {
	if s.IsSuccess() || s.IsSkip() {
		return nil
	}
	if s.err != nil {
		return s.err
	}
	return errors.New(s.Message())
}

func (s *Status) IsSuccess() bool { return s.Code() == Success }
func (s *Status) IsSkip() bool    { return s.Code() == Skip }

// IsRejected reports whether the node (or pod) was judged unfit, as opposed
// to success or an internal error.
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable
}

func (s *Status) String() string {
	if s == nil {
		return "Success"
	}
	return s.code.String() + ": " + s.Message()
}

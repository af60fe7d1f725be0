package prober

// Result is the outcome of one probe run, with upstream's probe.Result
// meanings. The zero value is Unknown so that an unset Result never reads as
// a success.
type Result int

const (
	// Unknown means the probe could not decide; the worker takes no action.
	Unknown Result = iota
	// Success means the container passed the probe.
	Success
	// Failure means the container failed the probe.
	Failure
	// Warning counts as Success but carries a message worth an event, e.g.
	// an HTTP redirect to another host that was not followed.
	Warning
)

// String returns the lower-case names upstream uses in events.
func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Warning:
		return "warning"
	default:
		return "unknown"
	}
}

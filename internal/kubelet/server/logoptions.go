package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// logOptions are the PodLogOptions the kubelet applies to a log file.
type logOptions struct {
	follow, previous, timestamps bool
	tailLines                    *int64 // nil: all lines
	limitBytes                   *int64 // nil: no limit
	since                        time.Time
}

// parseLogOptions reads the PodLogOptions query parameters; sinceSeconds
// is resolved against now.
func parseLogOptions(q url.Values, now time.Time) (logOptions, error) {
	var o logOptions
	var err error
	if o.follow, err = boolParam(q, "follow"); err != nil {
		return o, err
	}
	if o.previous, err = boolParam(q, "previous"); err != nil {
		return o, err
	}
	if o.timestamps, err = boolParam(q, "timestamps"); err != nil {
		return o, err
	}
	if o.tailLines, err = intParam(q, "tailLines", 0, "must be greater than or equal to 0"); err != nil {
		return o, err
	}
	if o.limitBytes, err = intParam(q, "limitBytes", 1, "must be greater than 0"); err != nil {
		return o, err
	}
	sinceSeconds, err := intParam(q, "sinceSeconds", 1, "must be greater than 0")
	if err != nil {
		return o, err
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, badRequest("sinceTime: %v", err)
		}
		if sinceSeconds != nil {
			return o, invalid("at most one of `sinceTime` or `sinceSeconds` may be specified")
		}
		o.since = t
	}
	if sinceSeconds != nil {
		o.since = now.Add(-time.Duration(*sinceSeconds) * time.Second)
	}
	return o, nil
}

// boolParam accepts what strconv.ParseBool does ("1", "true", ...); a
// parameter given without a value counts as true, as upstream's "?stdin".
func boolParam(q url.Values, name string) (bool, error) {
	vs, ok := q[name]
	if !ok {
		return false, nil
	}
	if len(vs) == 0 || vs[0] == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(vs[0])
	if err != nil {
		return false, badRequest("%s: invalid value %q: must be a boolean", name, vs[0])
	}
	return b, nil
}

func intParam(q url.Values, name string, min int64, rule string) (*int64, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, badRequest("%s: invalid value %q: must be an integer", name, v)
	}
	if n < min {
		return nil, invalid("%s: Invalid value: %d: %s", name, n, rule)
	}
	return &n, nil
}

func invalid(format string, args ...any) error {
	return newStatus(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, format, args...)
}

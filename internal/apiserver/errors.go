package apiserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// toStatus turns any error into the Status a Kubernetes client expects.
// Errors that are not API errors are internal: logged, never detailed.
func toStatus(err error) *metav1.Status {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		st := se.Status()
		st.Kind, st.APIVersion = "Status", "v1"
		if st.Status == "" {
			st.Status = metav1.StatusFailure
		}
		return &st
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		st := apierrors.NewTimeoutError("request did not complete within the allowed duration", 0).Status()
		st.Kind, st.APIVersion = "Status", "v1"
		return &st
	}
	slog.Error("internal error", "err", err)
	st := apierrors.NewInternalError(err).Status()
	st.Kind, st.APIVersion = "Status", "v1"
	return &st
}

// writeError writes err as a Status in the best format the client accepts.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := toStatus(err)
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	s.writeObject(w, r, code, st, nil)
}

// notFound is the 404 for a path that names no resource.
func notFound() error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
		Message: "the server could not find the requested resource",
		Details: &metav1.StatusDetails{},
	}}
}

func methodNotAllowed(verb, resource string) error {
	return apierrors.NewMethodNotSupported(schema.GroupResource{Resource: resource}, verb)
}

func notAcceptable(accept string) error {
	return apierrors.NewGenericServerResponse(http.StatusNotAcceptable, "", schema.GroupResource{}, "", fmt.Sprintf("only the following media types are accepted: %s", accept), 0, false)
}

func unsupportedMediaType(ct string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType, Reason: metav1.StatusReasonUnsupportedMediaType,
		Message: fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", ct),
		Details: &metav1.StatusDetails{},
	}}
}

package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// newStatus is an error the server answers with as a Status object.
func newStatus(code int, reason metav1.StatusReason, format string, args ...any) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: fmt.Sprintf(format, args...),
	}}
}

func badRequest(format string, args ...any) *apierrors.StatusError {
	return newStatus(http.StatusBadRequest, metav1.StatusReasonBadRequest, format, args...)
}

func notFound(format string, args ...any) *apierrors.StatusError {
	return newStatus(http.StatusNotFound, metav1.StatusReasonNotFound, format, args...)
}

// runtimeError maps a CRI error the way upstream's streaming server does:
// NotFound 404, ResourceExhausted 429, anything else 500, with the
// runtime's message.
func runtimeError(err error) *apierrors.StatusError {
	switch status.Code(err) {
	case codes.NotFound:
		return newStatus(http.StatusNotFound, metav1.StatusReasonNotFound, "%s", err.Error())
	case codes.ResourceExhausted:
		return newStatus(http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests, "%s", err.Error())
	}
	return newStatus(http.StatusInternalServerError, metav1.StatusReasonInternalError, "%s", err.Error())
}

// writeError writes err as a Status; errors that are not API errors are 500s.
func writeError(w http.ResponseWriter, err error) {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		se = newStatus(http.StatusInternalServerError, metav1.StatusReasonInternalError, "%s", err.Error())
	}
	st := se.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	writeJSON(w, int(st.Code), &st)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(body)
}

package storage

import (
	"errors"
	"fmt"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var errModified = errors.New("the object has been modified; please apply your changes to the latest version and try again")

func nameOf(key string) string { return key[strings.LastIndex(key, "/")+1:] }

func (s *Store) notFound(key string) error { return apierrors.NewNotFound(s.GR, nameOf(key)) }

func (s *Store) conflict(key string, err error) error {
	return apierrors.NewConflict(s.GR, nameOf(key), err)
}

func tooOld(asked, oldest uint64) error {
	return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", asked, oldest))
}

// tooLarge is the 504 client-go recognises (apierrors.IsTooLargeResourceVersion)
// when a client asks for a revision the server has not seen yet.
func tooLarge(asked, current uint64) error {
	err := apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", asked, current), 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{
		Type:    metav1.CauseTypeResourceVersionTooLarge,
		Message: "Too large resource version",
	}}
	return err
}

func badRequest(msg string) error { return apierrors.NewBadRequest(msg) }

func apierrorsAlreadyExists(s *Store, key string) error {
	return apierrors.NewAlreadyExists(s.GR, nameOf(key))
}

// writeError makes etcd's refusal of an oversized value a 413, as for an
// oversized request body: the client sent too much, the server did not fail.
func writeError(err error) error {
	if errors.Is(err, rpctypes.ErrRequestTooLarge) || errors.Is(err, rpctypes.ErrGRPCRequestTooLarge) {
		return apierrors.NewRequestEntityTooLargeError(err.Error())
	}
	return err
}

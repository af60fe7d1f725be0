package storage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// List returns the objects under prefix that match opts.Predicate, following
// the resourceVersion semantics of the Kubernetes list API:
//   - continue token:            the next page, at the revision of the first page (etcd)
//   - resourceVersionMatch=Exact: the state at that revision (etcd)
//   - "" with limit:             a consistent paged list (etcd)
//   - "":                         a consistent list from the watch cache
//   - "0":                        whatever the watch cache holds (limit ignored)
//   - N:                          the watch cache once it has seen N
func (s *Store) List(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error) {
	rvStr, match := opts.ResourceVersion, opts.ResourceVersionMatch
	if match != "" && rvStr == "" {
		return nil, badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
	}
	if opts.Continue != "" {
		if rvStr != "" {
			return nil, badRequest("specifying resource version is not allowed when using continue")
		}
		return s.continueList(ctx, prefix, opts)
	}
	var rv uint64
	if rvStr != "" {
		var err error
		if rv, err = parseRV(rvStr); err != nil {
			return nil, err
		}
	}
	switch match {
	case "", metav1.ResourceVersionMatchNotOlderThan, metav1.ResourceVersionMatchExact:
	default:
		return nil, badRequest("unknown resourceVersionMatch " + string(match))
	}
	switch {
	case match == metav1.ResourceVersionMatchExact:
		if rv == 0 {
			return nil, badRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"")
		}
		return s.etcdList(ctx, prefix, prefix, int64(rv), opts)
	case rvStr == "" && opts.Limit > 0:
		return s.etcdList(ctx, prefix, prefix, 0, opts)
	case rvStr == "":
		return s.cache.consistentList(ctx, prefix, opts.Predicate)
	case rv == 0:
		return s.cache.list(ctx, prefix, opts.Predicate, 0)
	case match == "" && opts.Limit > 0:
		// Legacy semantics: a paged list at a given version is exact.
		return s.etcdList(ctx, prefix, prefix, int64(rv), opts)
	default:
		return s.cache.list(ctx, prefix, opts.Predicate, rv)
	}
}

type continueToken struct {
	APIVersion string `json:"v"`
	RV         int64  `json:"rv"`
	Start      string `json:"start"`
}

func encodeContinue(key, prefix string, rev int64) string {
	b, _ := json.Marshal(continueToken{APIVersion: "meta.k8s.io/v1", RV: rev, Start: strings.TrimPrefix(key, prefix) + "\x00"})
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Store) continueList(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error) {
	raw, err := base64.RawURLEncoding.DecodeString(opts.Continue)
	var tok continueToken
	if err == nil {
		err = json.Unmarshal(raw, &tok)
	}
	if err != nil || tok.APIVersion != "meta.k8s.io/v1" || tok.RV <= 0 || strings.Contains(tok.Start, "..") || strings.HasPrefix(tok.Start, "/") {
		return nil, badRequest("continue key is not valid: the continue parameter is not a valid token")
	}
	return s.etcdList(ctx, prefix, prefix+tok.Start, tok.RV, opts)
}

// etcdList reads pages from etcd at revision rev (0: newest) from key start,
// filtering with the predicate until limit objects match.
func (s *Store) etcdList(ctx context.Context, prefix, start string, rev int64, opts ListOptions) (*ListResult, error) {
	end := prefixEnd(prefix)
	out := &ListResult{}
	pageSize := opts.Limit
	if !opts.Predicate.Everything() && pageSize > 0 && pageSize < 100 {
		pageSize = 100 // selectors filter: read in bigger steps
	}
	for {
		ops := []clientv3.OpOption{clientv3.WithRange(end)}
		if rev > 0 {
			ops = append(ops, clientv3.WithRev(rev))
		}
		if pageSize > 0 {
			ops = append(ops, clientv3.WithLimit(pageSize))
		}
		resp, err := s.client.Get(ctx, start, ops...)
		if err != nil {
			if errors.Is(err, rpctypes.ErrCompacted) {
				return nil, expiredList(opts.Continue != "")
			}
			if errors.Is(err, rpctypes.ErrFutureRev) {
				return nil, tooLarge(uint64(rev), 0)
			}
			return nil, err
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for i, kv := range resp.Kvs {
			obj, err := s.decode(kv.Value, kv.ModRevision)
			if err != nil {
				return nil, err
			}
			l, f := s.attrs(obj)
			if opts.Predicate.matches(l, f) {
				out.Items = append(out.Items, obj)
			}
			if opts.Limit > 0 && int64(len(out.Items)) == opts.Limit {
				more := resp.More || i < len(resp.Kvs)-1
				if more {
					out.Continue = encodeContinue(string(kv.Key), prefix, rev)
					if opts.Predicate.Everything() {
						rem := resp.Count - int64(i) - 1
						out.RemainingItemCount = &rem
					}
				}
				out.ResourceVersion = uint64(rev)
				return out, nil
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			out.ResourceVersion = uint64(rev)
			return out, nil
		}
		start = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

func expiredList(continuing bool) error {
	if continuing {
		return apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
	}
	return apierrors.NewResourceExpired("The resourceVersion for the provided list is too old.")
}

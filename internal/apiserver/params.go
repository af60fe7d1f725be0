package apiserver

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	listvalidation "k8s.io/apimachinery/pkg/apis/meta/internalversion/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"orca/internal/registry"
	"orca/internal/storage"
)

// listOptions reads a list or watch request's query parameters.
func listOptions(r *http.Request, res *registry.Resource) (storage.ListOptions, error) {
	q := r.URL.Query()
	opts := storage.ListOptions{
		ResourceVersion:      q.Get("resourceVersion"),
		ResourceVersionMatch: metav1.ResourceVersionMatch(q.Get("resourceVersionMatch")),
		Continue:             q.Get("continue"),
		AllowBookmarks:       q.Get("allowWatchBookmarks") == "true",
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid limit %q", v))
		}
		opts.Limit = n
	}
	if v := q.Get("sendInitialEvents"); v != "" {
		b := v == "true"
		opts.SendInitialEvents = &b
	}
	// Upstream's rules for resourceVersionMatch and sendInitialEvents,
	// refused as 422 Invalid ListOptions.
	w := q.Get("watch")
	if errs := listvalidation.ValidateListOptions(&metainternalversion.ListOptions{
		ResourceVersion: opts.ResourceVersion, ResourceVersionMatch: opts.ResourceVersionMatch, Continue: opts.Continue,
		SendInitialEvents: opts.SendInitialEvents, Watch: w == "true" || w == "1",
	}, true); len(errs) > 0 {
		return opts, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "ListOptions"}, "", errs)
	}
	if v := q.Get("labelSelector"); v != "" {
		sel, err := labels.Parse(v)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
		}
		opts.Predicate.Label = sel
	}
	if v := q.Get("fieldSelector"); v != "" {
		sel, err := fieldSelector(v, res)
		if err != nil {
			return opts, err
		}
		opts.Predicate.Field = sel
	}
	return opts, nil
}

// fieldSelector parses a field selector and refuses fields the resource
// cannot be selected by, with upstream's message.
func fieldSelector(v string, res *registry.Resource) (fields.Selector, error) {
	sel, err := fields.ParseSelector(v)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	supported := registry.SelectableFields(res)
	for _, req := range sel.Requirements() {
		if _, ok := supported[req.Field]; !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	if res.FieldLabelToStorage == nil {
		return sel, nil
	}
	return sel.Transform(func(f, val string) (string, string, error) {
		if n, ok := res.FieldLabelToStorage[f]; ok {
			return n, val, nil
		}
		return f, val, nil
	})
}

// dryRun reads the dryRun parameter: only "All" exists.
func dryRun(r *http.Request) (bool, error) {
	vals := r.URL.Query()["dryRun"]
	for _, v := range vals {
		if v != metav1.DryRunAll {
			return false, apierrors.NewBadRequest(fmt.Sprintf("Invalid dryRun value %q, only \"All\" is supported", v))
		}
	}
	return len(vals) > 0, nil
}

// writeOptions reads dryRun and fieldManager; the manager defaults to the
// client's name from its User-Agent, as upstream does.
func writeOptions(r *http.Request) (registry.WriteOptions, error) {
	dry, err := dryRun(r)
	if err != nil {
		return registry.WriteOptions{}, err
	}
	fm := r.URL.Query().Get("fieldManager")
	if len(fm) > 128 {
		return registry.WriteOptions{}, apierrors.NewBadRequest("fieldManager: Too long: may not be more than 128 bytes")
	}
	if fm == "" {
		fm = strings.SplitN(r.UserAgent(), "/", 2)[0]
	}
	return registry.WriteOptions{DryRun: dry, FieldManager: fm}, nil
}

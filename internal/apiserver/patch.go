package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"orca/internal/registry"
)

const patchTypes = "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"

func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request, sv *served, ns, name, sub string) {
	pt := types.PatchType(contentType(r))
	switch pt {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType, types.ApplyYAMLPatchType:
	default:
		s.writeError(w, r, unsupportedMediaType(patchTypes))
		return
	}
	patch, opts, err := readRawWrite(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	policy, err := fieldValidation(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if pt == types.ApplyYAMLPatchType {
		s.handleApply(w, r, sv, ns, name, sub, patch, opts)
		return
	}
	if pt != types.JSONPatchType {
		// Once, not on every compare-and-swap retry.
		if patch, err = toJSON(patch); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	narrow := onlyStatusPatch(sub, pt, patch)
	out, _, err := sv.rest.Update(r.Context(), ns, name, sub, func(_ context.Context, cur runtime.Object) (runtime.Object, error) {
		if narrow {
			cur = statusPart(cur)
		}
		return s.applyPatch(w, sv.res, pt, cur, patch, policy)
	}, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, out, sv.conv)
}

// applyPatch applies a JSON, merge or strategic merge patch to cur.
func (s *Server) applyPatch(w http.ResponseWriter, res *registry.Resource, pt types.PatchType, cur runtime.Object, patch []byte, policy string) (runtime.Object, error) {
	aside := setAsideManagedFields(cur, pt, patch)
	curJSON, err := s.codecs.encode(cur, mtJSON, false)
	if aside != nil {
		setManagedFields(cur, aside)
	}
	if err != nil {
		return nil, err
	}
	var patched []byte
	switch pt {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if len(p) > 10000 {
			return nil, apierrors.NewRequestEntityTooLargeError("The allowed maximum operations in a JSON patch is 10000")
		}
		if patched, err = p.Apply(curJSON); err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", res.GR(), "", err.Error(), 0, false)
		}
	case types.MergePatchType:
		if patched, err = jsonpatch.MergePatch(curJSON, patch); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.StrategicMergePatchType:
		if patched, err = strategicMergePatch(curJSON, patch, res.New()); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	}
	obj, err := s.decodeJSON(w, patched, res, policy)
	if err != nil {
		return nil, err
	}
	if aside != nil {
		setManagedFields(obj, slices.Clone(aside))
	}
	return obj, nil
}

// strategicMergePatch applies a strategic merge patch. Some malformed
// patches make apimachinery's implementation panic (a $setElementOrder
// list of objects for a list without a merge key compares two maps); they
// are the client's error, not the server's.
func strategicMergePatch(cur, patch []byte, schema runtime.Object) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("invalid strategic merge patch: %v", r)
		}
	}()
	return strategicpatch.StrategicMergePatch(cur, patch, schema)
}

// setAsideManagedFields takes the managed fields off a typed object before
// a merge or strategic merge patch that does not name them, and returns
// them (nil when it left them on). They are most of a typical object's
// JSON and such a patch leaves them as they are, so they need not go
// through the patch's JSON round trip; the caller puts them back on cur
// and on the patched object. A JSON patch addresses subtrees by path (a
// test of /metadata compares the managed fields too), so it always sees
// them.
func setAsideManagedFields(cur runtime.Object, pt types.PatchType, patch []byte) []metav1.ManagedFieldsEntry {
	if pt == types.JSONPatchType || bytes.Contains(patch, []byte("managedFields")) {
		return nil
	}
	if _, ok := cur.(runtime.Unstructured); ok {
		return nil
	}
	acc, err := meta.Accessor(cur)
	if err != nil || len(acc.GetManagedFields()) == 0 {
		return nil
	}
	aside := acc.GetManagedFields()
	acc.SetManagedFields(nil)
	return aside
}

func setManagedFields(obj runtime.Object, f []metav1.ManagedFieldsEntry) {
	if acc, err := meta.Accessor(obj); err == nil {
		acc.SetManagedFields(f)
	}
}

// toJSON accepts a patch body and checks it is a JSON object. Clients send
// JSON (checked without decoding it); YAML is accepted as well.
func toJSON(patch []byte) ([]byte, error) {
	if t := bytes.TrimLeft(patch, " \t\r\n"); len(t) > 0 && t[0] == '{' && json.Valid(t) {
		return patch, nil
	}
	var v map[string]any
	if err := yaml.Unmarshal(patch, &v); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
	}
	if v == nil {
		return nil, apierrors.NewBadRequest("patch body must be a JSON object")
	}
	return yaml.YAMLToJSON(patch)
}

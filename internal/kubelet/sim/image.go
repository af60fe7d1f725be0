package sim

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// image is one image in the store. Its ID (the config digest) and manifest
// digests are derived from the reference, so they are stable across runs.
type image struct {
	id          string
	repoTags    []string
	repoDigests []string
	size        uint64
	pinned      bool
}

// ref is what containerd reports as a container's ImageRef: the first repo
// digest, or the image ID when there is none (imported images).
func (i *image) ref() string {
	if len(i.repoDigests) > 0 {
		return i.repoDigests[0]
	}
	return i.id
}

func (i *image) firstTag() string {
	if len(i.repoTags) > 0 {
		return i.repoTags[0]
	}
	return ""
}

func (i *image) toCRI() *runtimeapi.Image {
	return &runtimeapi.Image{
		Id:          i.id,
		RepoTags:    slices.Clone(i.repoTags),
		RepoDigests: slices.Clone(i.repoDigests),
		Size:        i.size,
		Spec:        &runtimeapi.ImageSpec{Image: i.id},
		Pinned:      i.pinned,
	}
}

func digestOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// normalize turns a user reference into containerd's fully qualified form
// (docker.io/library/nginx:latest) and reports whether it is a digest reference.
func normalize(ref string) (reference.Named, bool, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, false, err
	}
	if _, ok := named.(reference.Canonical); ok {
		return named, true, nil
	}
	return reference.TagNameOnly(named), false, nil
}

// newImage builds the store entry for a pulled (withDigest) or imported image.
func newImage(named reference.Named, byDigest, withDigest bool) *image {
	full := named.String()
	img := &image{id: digestOf("config", full)}
	sum := sha256.Sum256([]byte(full))
	// A plausible compressed size between 1 MiB and 65 MiB, stable per reference.
	img.size = 1<<20 + binary.BigEndian.Uint64(sum[:8])%(64<<20)
	if byDigest {
		img.repoDigests = []string{full}
		return img
	}
	img.repoTags = []string{full}
	if withDigest {
		img.repoDigests = []string{named.Name() + "@" + digestOf("manifest", full)}
	}
	return img
}

// addImageLocked stores img (or merges it into an image with the same ID) and
// indexes its references. A tag moving from another image is taken from it,
// and an image left without references is dropped, as containerd does.
func (r *Runtime) addImageLocked(img *image) *image {
	if old, ok := r.images[img.id]; ok {
		for _, d := range img.repoDigests {
			if !slices.Contains(old.repoDigests, d) {
				old.repoDigests = append(old.repoDigests, d)
			}
		}
		old.pinned = old.pinned || img.pinned
		img = old
	} else {
		r.images[img.id] = img
	}
	for _, ref := range append(slices.Clone(img.repoTags), img.repoDigests...) {
		if prev, ok := r.imageRefs[ref]; ok && prev != img {
			prev.repoTags = slices.DeleteFunc(prev.repoTags, func(s string) bool { return s == ref })
			prev.repoDigests = slices.DeleteFunc(prev.repoDigests, func(s string) bool { return s == ref })
			if len(prev.repoTags)+len(prev.repoDigests) == 0 {
				delete(r.images, prev.id)
			}
		}
		r.imageRefs[ref] = img
	}
	return img
}

// ImportImage adds an image as `ctr -n k8s.io images import` would: with
// RepoTags but no RepoDigests. pinned marks it like containerd's sandbox image.
func (r *Runtime) ImportImage(ref string, pinned bool) error {
	named, byDigest, err := normalize(ref)
	if err != nil {
		return status.Errorf(codes.InvalidArgument, "invalid image reference %q: %v", ref, err)
	}
	img := newImage(named, byDigest, false)
	img.pinned = pinned
	r.mu.Lock()
	defer r.mu.Unlock()
	r.addImageLocked(img)
	return nil
}

// resolveImageLocked finds an image by ID ("sha256:<hex>" or bare hex), by a
// unique ID prefix, or by any reference that normalizes to a stored tag or digest.
func (r *Runtime) resolveImageLocked(ref string) *image {
	if ref == "" {
		return nil
	}
	if img, ok := r.images[ref]; ok {
		return img
	}
	if img, ok := r.images["sha256:"+ref]; ok {
		return img
	}
	if named, _, err := normalize(ref); err == nil {
		if img, ok := r.imageRefs[named.String()]; ok {
			return img
		}
	}
	if strings.HasPrefix(ref, "sha256:") && len(ref) > len("sha256:") {
		var found *image
		for id, img := range r.images {
			if strings.HasPrefix(id, ref) {
				if found != nil {
					return nil
				}
				found = img
			}
		}
		return found
	}
	return nil
}

// PullImage "pulls" any reference, instantly or after Options.PullDelay,
// unless it matches Options.UnpullablePattern: then it fails like containerd
// does for a repository that does not exist. The pulled image gets a RepoTag
// (tag pulls) and a RepoDigest. Returns the image ID.
func (r *Runtime) PullImage(ctx context.Context, spec *runtimeapi.ImageSpec, auth *runtimeapi.AuthConfig, podSandboxConfig *runtimeapi.PodSandboxConfig) (string, error) {
	ref := spec.GetImage()
	named, byDigest, err := normalize(ref)
	if err != nil {
		return "", status.Errorf(codes.Unknown, "failed to pull and unpack image %q: failed to resolve reference %q: %v", ref, ref, err)
	}
	full := named.String()
	if r.unpullable != nil && (r.unpullable.MatchString(ref) || r.unpullable.MatchString(full)) {
		return "", status.Errorf(codes.Unknown,
			"failed to pull and unpack image %q: failed to resolve reference %q: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed",
			full, full)
	}
	if r.pullDelay > 0 {
		t := r.clock.NewTimer(r.pullDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", status.FromContextError(ctx.Err()).Err()
		case <-t.C():
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.addImageLocked(newImage(named, byDigest, true))
	return img.id, nil
}

// ImageStatus returns the image, or a response with a nil Image (and no
// error) when it is not present, as the CRI requires.
func (r *Runtime) ImageStatus(ctx context.Context, spec *runtimeapi.ImageSpec, verbose bool) (*runtimeapi.ImageStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.resolveImageLocked(spec.GetImage())
	if img == nil {
		return &runtimeapi.ImageStatusResponse{}, nil
	}
	resp := &runtimeapi.ImageStatusResponse{Image: img.toCRI()}
	if verbose {
		resp.Info = map[string]string{"info": fmt.Sprintf(`{"imageSpec":{"id":%q},"simulated":true}`, img.id)}
	}
	return resp, nil
}

// ListImages lists the store; a filter image, if given, selects the one image it
// resolves to (containerd ignores the filter).
func (r *Runtime) ListImages(ctx context.Context, filter *runtimeapi.ImageFilter) ([]*runtimeapi.Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if want := filter.GetImage().GetImage(); want != "" {
		if img := r.resolveImageLocked(want); img != nil {
			return []*runtimeapi.Image{img.toCRI()}, nil
		}
		return nil, nil
	}
	out := make([]*runtimeapi.Image, 0, len(r.images))
	for _, img := range r.images {
		out = append(out, img.toCRI())
	}
	slices.SortFunc(out, func(a, b *runtimeapi.Image) int { return strings.Compare(a.Id, b.Id) })
	return out, nil
}

// RemoveImage removes the image the reference resolves to, with all its
// references (containerd semantics). Missing images succeed. Images in use by
// containers are removed anyway, as containerd does (the kubelet's image GC
// checks usage itself).
func (r *Runtime) RemoveImage(ctx context.Context, spec *runtimeapi.ImageSpec) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.resolveImageLocked(spec.GetImage())
	if img == nil {
		return nil
	}
	for _, ref := range img.repoTags {
		delete(r.imageRefs, ref)
	}
	for _, ref := range img.repoDigests {
		delete(r.imageRefs, ref)
	}
	delete(r.images, img.id)
	return nil
}

// ImageFsInfo reports one image filesystem whose usage is the sum of image sizes.
func (r *Runtime) ImageFsInfo(ctx context.Context) (*runtimeapi.ImageFsInfoResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var used uint64
	for _, img := range r.images {
		used += img.size
	}
	return &runtimeapi.ImageFsInfoResponse{ImageFilesystems: []*runtimeapi.FilesystemUsage{{
		Timestamp:  r.now(),
		FsId:       &runtimeapi.FilesystemIdentifier{Mountpoint: imageFsMountpoint},
		UsedBytes:  &runtimeapi.UInt64Value{Value: used},
		InodesUsed: &runtimeapi.UInt64Value{Value: uint64(len(r.images)) * 64},
	}}}, nil
}

const imageFsMountpoint = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"

package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// An OCI image-layout archive is a tar of oci-layout, index.json and
// blobs/<algorithm>/<hex>. index.json points at a manifest (or at a nested
// index of manifests per platform); the manifest at the config and the layers.

const maxMetadataBlob = 4 << 20 // manifests, indexes and configs are small

// layoutImage is what an archive's metadata says about its image.
type layoutImage struct {
	ManifestDigest string
	Manifest       imagespec.Manifest
	Config         imagespec.Image
}

// readLayout reads index.json, the manifest and the config from the archive
// (one pass; layers are skipped).
func readLayout(archive string) (*layoutImage, error) {
	small := map[string][]byte{}
	err := walkArchive(archive, func(name string, header *tar.Header, r io.Reader) (bool, error) {
		if header.Typeflag != tar.TypeReg || header.Size > maxMetadataBlob {
			return false, nil
		}
		if name == "index.json" || strings.HasPrefix(name, "blobs/") {
			data, err := io.ReadAll(r)
			if err != nil {
				return false, err
			}
			small[name] = data
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	indexData, ok := small["index.json"]
	if !ok {
		return nil, fmt.Errorf("%s: no index.json: not an OCI image layout", archive)
	}
	blob := func(d imagespec.Descriptor) ([]byte, error) {
		data, ok := small[blobPath(string(d.Digest))]
		if !ok {
			return nil, fmt.Errorf("%s: blob %s (%s) is missing", archive, d.Digest, d.MediaType)
		}
		return data, nil
	}
	var index imagespec.Index
	if err := json.Unmarshal(indexData, &index); err != nil {
		return nil, fmt.Errorf("%s: index.json: %w", archive, err)
	}
	// Follow nested indexes down to the manifest for this platform.
	for depth := 0; ; depth++ {
		chosen, err := choosePlatform(index.Manifests)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", archive, err)
		}
		data, err := blob(chosen)
		if err != nil {
			return nil, err
		}
		if chosen.MediaType == imagespec.MediaTypeImageIndex || isIndex(data) {
			if depth > 4 {
				return nil, fmt.Errorf("%s: indexes nested too deep", archive)
			}
			index = imagespec.Index{}
			if err := json.Unmarshal(data, &index); err != nil {
				return nil, err
			}
			continue
		}
		image := &layoutImage{ManifestDigest: string(chosen.Digest)}
		if err := json.Unmarshal(data, &image.Manifest); err != nil {
			return nil, fmt.Errorf("%s: manifest: %w", archive, err)
		}
		configData, err := blob(image.Manifest.Config)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(configData, &image.Config); err != nil {
			return nil, fmt.Errorf("%s: config: %w", archive, err)
		}
		return image, nil
	}
}

func isIndex(data []byte) bool {
	var probe struct {
		MediaType string            `json:"mediaType"`
		Manifests []json.RawMessage `json:"manifests"`
	}
	return json.Unmarshal(data, &probe) == nil && (probe.MediaType == imagespec.MediaTypeImageIndex || len(probe.Manifests) > 0)
}

// choosePlatform picks the manifest for linux on this machine's architecture,
// or the only one there is.
func choosePlatform(manifests []imagespec.Descriptor) (imagespec.Descriptor, error) {
	if len(manifests) == 0 {
		return imagespec.Descriptor{}, errors.New("the index lists no manifest")
	}
	for _, m := range manifests {
		if m.Platform == nil || (m.Platform.OS == "linux" && m.Platform.Architecture == runtime.GOARCH) {
			return m, nil
		}
	}
	return imagespec.Descriptor{}, fmt.Errorf("no manifest for linux/%s", runtime.GOARCH)
}

func blobPath(digest string) string {
	algorithm, hex, _ := strings.Cut(digest, ":")
	return "blobs/" + algorithm + "/" + hex
}

// walkArchive calls visit for every entry of the tar with its cleaned name;
// visit returns true to stop.
func walkArchive(archive string, visit func(name string, header *tar.Header, r io.Reader) (bool, error)) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		header, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", archive, err)
		}
		name := strings.TrimPrefix(path.Clean("/"+header.Name), "/")
		done, err := visit(name, header, tr)
		if err != nil || done {
			return err
		}
	}
}

// unpackArchive returns the archive's image unpacked under cacheDir, unpacking
// it unless a finished directory for its manifest digest is there already.
func unpackArchive(archive, cacheDir string) (*ociImage, error) {
	layout, err := readLayout(archive)
	if err != nil {
		return nil, err
	}
	_, hex, _ := strings.Cut(layout.ManifestDigest, ":")
	final := filepath.Join(cacheDir, hex)
	image := &ociImage{Digest: layout.ManifestDigest, RootFS: filepath.Join(final, "rootfs"), Config: layout.Config.Config}
	if _, err := os.Stat(filepath.Join(final, "config.json")); err == nil {
		now := time.Now()
		_ = os.Chtimes(final, now, now) // in use: kept by pruneImageCache
		return image, nil
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	pruneImageCache(cacheDir)
	tmp, err := os.MkdirTemp(cacheDir, "unpacking-"+hex[:12]+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	rootfs := filepath.Join(tmp, "rootfs")
	if err := os.Mkdir(rootfs, 0o755); err != nil {
		return nil, err
	}
	for _, layer := range layout.Manifest.Layers {
		found := false
		err := walkArchive(archive, func(name string, header *tar.Header, r io.Reader) (bool, error) {
			if name != blobPath(string(layer.Digest)) {
				return false, nil
			}
			found = true
			return true, applyLayer(rootfs, layer.MediaType, r)
		})
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", layer.Digest, err)
		}
		if !found {
			return nil, fmt.Errorf("%s: layer blob %s is missing", archive, layer.Digest)
		}
	}
	config, err := json.Marshal(layout.Config)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, "config.json"), config, 0o644); err != nil {
		return nil, err
	}
	// The image's root directory is as the image says, or 0755.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another kubelet finished first: use its copy.
		if _, statErr := os.Stat(filepath.Join(final, "config.json")); statErr == nil {
			return image, nil
		}
		return nil, err
	}
	logf("image %s from %s unpacked into %s", layout.ManifestDigest, archive, final)
	return image, nil
}

// pruneImageCache removes images no kubelet used for a day (every use touches
// their directory) and unpacking directories a killed kubelet left.
func pruneImageCache(cacheDir string) {
	entries, err := os.ReadDir(cacheDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		age := time.Since(info.ModTime())
		if (strings.HasPrefix(e.Name(), "unpacking-") && age > time.Hour) || (!strings.HasPrefix(e.Name(), "unpacking-") && age > 24*time.Hour) {
			_ = os.RemoveAll(filepath.Join(cacheDir, e.Name()))
		}
	}
}

package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	specsgo "github.com/opencontainers/image-spec/specs-go"
	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// imageFile is one file of a test image: where it goes and what it holds.
type imageFile struct {
	Path string // inside the image, absolute
	Data []byte
	Mode int64
}

// writeImageArchive writes a one-layer OCI image-layout archive (tar) of files
// and directories with config, deterministically (same input, same digest).
func writeImageArchive(out string, files []imageFile, dirs []string, config imagespec.ImageConfig, compress bool) (string, error) {
	epoch := time.Unix(0, 0)
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	written := map[string]bool{}
	var addDir func(dir string, mode int64) error
	addDir = func(dir string, mode int64) error {
		dir = strings.TrimPrefix(path.Clean("/"+dir), "/")
		if dir == "" || written[dir] {
			return nil
		}
		if err := addDir(path.Dir(dir), 0o755); err != nil {
			return err
		}
		written[dir] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir + "/", Mode: mode, ModTime: epoch, Format: tar.FormatPAX})
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		mode := int64(0o755)
		if d, m, ok := strings.Cut(dir, ":"); ok {
			dir = d
			fmt.Sscanf(m, "%o", &mode)
		}
		if err := addDir(dir, mode); err != nil {
			return "", err
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for _, f := range files {
		name := strings.TrimPrefix(path.Clean("/"+f.Path), "/")
		if err := addDir(path.Dir(name), 0o755); err != nil {
			return "", err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: f.Mode, Size: int64(len(f.Data)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return "", err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	diffID := digest.FromBytes(layer.Bytes())
	layerBlob, layerType := layer.Bytes(), imagespec.MediaTypeImageLayer
	if compress {
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		if _, err := zw.Write(layer.Bytes()); err != nil {
			return "", err
		}
		if err := zw.Close(); err != nil {
			return "", err
		}
		layerBlob, layerType = gz.Bytes(), imagespec.MediaTypeImageLayerGzip
	}

	image := imagespec.Image{
		Platform: imagespec.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config:   config,
		RootFS:   imagespec.RootFS{Type: "layers", DiffIDs: []digest.Digest{diffID}},
	}
	configBlob, err := json.Marshal(image)
	if err != nil {
		return "", err
	}
	manifest := imagespec.Manifest{
		Versioned: specsgo.Versioned{SchemaVersion: 2},
		MediaType: imagespec.MediaTypeImageManifest,
		Config:    descriptorOf(imagespec.MediaTypeImageConfig, configBlob),
		Layers:    []imagespec.Descriptor{descriptorOf(layerType, layerBlob)},
	}
	manifestBlob, err := json.Marshal(manifest)
	if err != nil {
		return "", err
	}
	manifestDescriptor := descriptorOf(imagespec.MediaTypeImageManifest, manifestBlob)
	manifestDescriptor.Platform = &image.Platform
	index, err := json.Marshal(imagespec.Index{
		Versioned: specsgo.Versioned{SchemaVersion: 2},
		MediaType: imagespec.MediaTypeImageIndex,
		Manifests: []imagespec.Descriptor{manifestDescriptor},
	})
	if err != nil {
		return "", err
	}
	layoutFile, _ := json.Marshal(imagespec.ImageLayout{Version: imagespec.ImageLayoutVersion})

	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp)
	archive := tar.NewWriter(f)
	entries := []struct {
		name string
		data []byte
	}{
		{"oci-layout", layoutFile},
		{"index.json", index},
		{blobPath(string(manifestDescriptor.Digest)), manifestBlob},
		{blobPath(string(manifest.Config.Digest)), configBlob},
		{blobPath(string(manifest.Layers[0].Digest)), layerBlob},
	}
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := archive.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: epoch}); err != nil {
			return "", err
		}
	}
	for _, e := range entries {
		if err := archive.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: epoch}); err != nil {
			return "", err
		}
		if _, err := archive.Write(e.data); err != nil {
			return "", err
		}
	}
	if err := archive.Close(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return string(manifestDescriptor.Digest), os.Rename(tmp, out)
}

func descriptorOf(mediaType string, data []byte) imagespec.Descriptor {
	sum := sha256.Sum256(data)
	return imagespec.Descriptor{MediaType: mediaType, Digest: digest.NewDigestFromBytes(digest.SHA256, sum[:]), Size: int64(len(data))}
}

// runImageArchive is "courier-kubelet image-archive": builds a small OCI image
// archive from files of this machine, for tests (e.g. a static binary as the
// only file). Prints the manifest digest.
func runImageArchive(args []string) error {
	fs := flag.NewFlagSet("image-archive", flag.ContinueOnError)
	out := fs.String("out", "", "the archive to write")
	var files, dirs, entrypoint, cmd, env stringList
	fs.Var(&files, "file", "DEST=SOURCE: copy SOURCE (keeping its mode) to DEST in the image (repeatable)")
	fs.Var(&dirs, "dir", "DEST[:MODE]: an empty directory, mode in octal (repeatable)")
	fs.Var(&entrypoint, "entrypoint", "an Entrypoint argument (repeatable, in order)")
	fs.Var(&cmd, "cmd", "a Cmd argument (repeatable, in order)")
	fs.Var(&env, "env", "NAME=VALUE of the image's Env (repeatable)")
	user := fs.String("user", "", "the image's User")
	workdir := fs.String("workdir", "", "the image's WorkingDir")
	compress := fs.Bool("gzip", true, "gzip the layer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || len(files) == 0 {
		return fmt.Errorf("--out and at least one --file are required")
	}
	var content []imageFile
	for _, spec := range files {
		dest, source, ok := strings.Cut(spec, "=")
		if !ok {
			return fmt.Errorf("--file %q: want DEST=SOURCE", spec)
		}
		data, err := os.ReadFile(source)
		if err != nil {
			return err
		}
		info, err := os.Stat(source)
		if err != nil {
			return err
		}
		content = append(content, imageFile{Path: dest, Data: data, Mode: int64(info.Mode().Perm())})
	}
	config := imagespec.ImageConfig{User: *user, Env: env, Entrypoint: entrypoint, Cmd: cmd, WorkingDir: *workdir}
	d, err := writeImageArchive(*out, content, dirs, config, *compress)
	if err != nil {
		return err
	}
	fmt.Println(d)
	return nil
}

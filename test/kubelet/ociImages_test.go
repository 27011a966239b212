package main

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestImageArchiveUnpacksOncePerDigest(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "hello.oci.tar")
	config := imagespec.ImageConfig{User: "65532:65532", Entrypoint: []string{"/hello"}, Env: []string{"PATH=/"}}
	digest, err := writeImageArchive(archive, []imageFile{{Path: "/hello", Data: []byte("#!binary"), Mode: 0o755}, {Path: "/etc/passwd", Data: []byte("nonroot:x:65532:65532::/:/none\n"), Mode: 0o644}}, []string{"/tmp:1777"}, config, true)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := writeImageArchive(filepath.Join(dir, "again.oci.tar"), []imageFile{{Path: "/etc/passwd", Data: []byte("nonroot:x:65532:65532::/:/none\n"), Mode: 0o644}, {Path: "/hello", Data: []byte("#!binary"), Mode: 0o755}}, []string{"/tmp:1777"}, config, true)
	if again != digest {
		t.Errorf("the same content gave digests %s and %s", digest, again)
	}
	store := newOCIImageStore(ociImageTable{"example.test/hello": archive}, filepath.Join(dir, "cache"))
	path, ok := store.lookup("example.test/hello:1.0")
	if !ok || path != archive {
		t.Fatalf("lookup: %s %v", path, ok)
	}
	image, err := store.image(archive)
	if err != nil {
		t.Fatal(err)
	}
	if image.Digest != digest || image.Config.User != "65532:65532" || image.Config.Entrypoint[0] != "/hello" {
		t.Errorf("image %+v", image)
	}
	info, err := os.Stat(filepath.Join(image.RootFS, "hello"))
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("/hello: %v %v", info, err)
	}
	if tmp, err := os.Stat(filepath.Join(image.RootFS, "tmp")); err != nil || tmp.Mode()&os.ModeSticky == 0 || tmp.Mode().Perm() != 0o777 {
		t.Errorf("/tmp: %v %v", tmp, err)
	}
	// A second store (another kubelet) finds the unpacked copy.
	marker := filepath.Join(image.RootFS, "marker")
	_ = os.WriteFile(marker, nil, 0o644)
	other, err := newOCIImageStore(nil, filepath.Join(dir, "cache")).image(archive)
	if err != nil || other.RootFS != image.RootFS {
		t.Fatalf("second store: %+v %v", other, err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the image was unpacked again")
	}
}

func TestLayersApplyWhiteoutsAndStayInsideTheRoot(t *testing.T) {
	rootfs := t.TempDir()
	layer := func(entries ...*tar.Header) *bytes.Buffer {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, h := range entries {
			if h.Typeflag == tar.TypeReg {
				h.Size = int64(len(h.Linkname))
				data := h.Linkname
				h.Linkname = ""
				_ = tw.WriteHeader(h)
				_, _ = tw.Write([]byte(data))
				continue
			}
			_ = tw.WriteHeader(h)
		}
		_ = tw.Close()
		return &buf
	}
	file := func(name, data string) *tar.Header {
		return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Linkname: data}
	}
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(applyLayer(rootfs, "", layer(
		&tar.Header{Typeflag: tar.TypeDir, Name: "etc/", Mode: 0o755},
		file("etc/keep", "1"), file("etc/gone", "2"),
		&tar.Header{Typeflag: tar.TypeDir, Name: "opaque/", Mode: 0o755},
		file("opaque/old", "3"),
		// An absolute symlink to the host: must resolve inside rootfs.
		&tar.Header{Typeflag: tar.TypeSymlink, Name: "escape", Linkname: outside},
		&tar.Header{Typeflag: tar.TypeSymlink, Name: "up", Linkname: "../../../.."},
	)))
	must(applyLayer(rootfs, "", layer(
		file("etc/.wh.gone", ""),
		file("opaque/.wh..wh..opq", ""),
		file("opaque/new", "4"),
		file("escape/planted", "x"),
		file("up/planted2", "y"),
	)))
	exists := func(rel string) bool {
		_, err := os.Lstat(filepath.Join(rootfs, rel))
		return err == nil
	}
	if !exists("etc/keep") || exists("etc/gone") {
		t.Error("whiteout: etc/keep must stay and etc/gone go")
	}
	if exists("opaque/old") || !exists("opaque/new") {
		t.Error("opaque whiteout: the lower layer's files go, this layer's stay")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("a layer wrote outside the root through a symlink: %v", entries)
	}
	if !exists(filepath.Join(outside[1:], "planted")) || !exists("planted2") {
		t.Error("paths through symlinks land inside the root")
	}
}

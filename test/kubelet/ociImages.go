package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	imagespec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ociImageTable maps image repositories (no tag or digest) to OCI image-layout
// archives on this machine. Set from repeated --oci-image REPOSITORY=ARCHIVE flags.
type ociImageTable map[string]string

func (t *ociImageTable) String() string { return fmt.Sprint(map[string]string(*t)) }

func (t *ociImageTable) Set(value string) error {
	repo, archive, ok := strings.Cut(value, "=")
	if !ok || repo == "" || archive == "" {
		return fmt.Errorf("want REPOSITORY=ARCHIVE, got %q", value)
	}
	abs, err := filepath.Abs(archive)
	if err != nil {
		return err
	}
	if *t == nil {
		*t = ociImageTable{}
	}
	(*t)[repo] = abs
	return nil
}

// ociImage is an image unpacked on this machine: a root filesystem that is
// only ever used as the lower layer of an overlay, and its run configuration.
type ociImage struct {
	Digest string // of the manifest, e.g. sha256:...
	RootFS string
	Config imagespec.ImageConfig
}

// ociImageStore unpacks each archive's image once per manifest digest into
// cacheDir/<hex>/ (shared by concurrent kubelets: a finished directory is
// renamed into place) and remembers it for as long as the archive file is unchanged.
type ociImageStore struct {
	archives ociImageTable
	cacheDir string

	mu       sync.Mutex
	unpacked map[string]*ociImage // by archive path + size + mtime
}

func newOCIImageStore(archives ociImageTable, cacheDir string) *ociImageStore {
	return &ociImageStore{archives: archives, cacheDir: cacheDir, unpacked: map[string]*ociImage{}}
}

// lookup returns the archive for image when it is one of the OCI images.
func (s *ociImageStore) lookup(image string) (string, bool) {
	archive, ok := s.archives[repository(image)]
	return archive, ok
}

func (s *ociImageStore) repositories() []string {
	repos := make([]string, 0, len(s.archives))
	for repo := range s.archives {
		repos = append(repos, repo)
	}
	sort.Strings(repos)
	return repos
}

// image returns the archive's image, unpacking it first when no earlier run did.
// Concurrent calls wait for one another: unpacking is done once.
func (s *ociImageStore) image(archive string) (*ociImage, error) {
	info, err := os.Stat(archive)
	if err != nil {
		return nil, fmt.Errorf("image archive: %w", err)
	}
	key := fmt.Sprintf("%s|%d|%d", archive, info.Size(), info.ModTime().UnixNano())
	s.mu.Lock()
	defer s.mu.Unlock()
	if image, ok := s.unpacked[key]; ok {
		now := time.Now()
		_ = os.Chtimes(filepath.Dir(image.RootFS), now, now) // in use: kept by pruneImageCache
		return image, nil
	}
	image, err := unpackArchive(archive, s.cacheDir)
	if err != nil {
		return nil, err
	}
	s.unpacked[key] = image
	return image, nil
}

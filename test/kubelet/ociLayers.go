package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// applyLayer extracts one layer (a tar, plain or gzip-compressed) onto rootfs
// with the OCI whiteout rules: ".wh.NAME" removes NAME of the layers below,
// ".wh..wh..opq" empties its directory of what the layers below put there.
// Owners, modes and symlinks are kept; every path is resolved inside rootfs,
// so no entry (or symlink in the image) can reach outside it.
func applyLayer(rootfs, mediaType string, r io.Reader) error {
	buffered := bufio.NewReaderSize(r, 64<<10)
	magic, _ := buffered.Peek(4)
	var stream io.Reader = buffered
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(buffered)
		if err != nil {
			return err
		}
		defer gz.Close()
		stream = gz
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return fmt.Errorf("zstd-compressed layers (%s) are not supported: write the layer as tar or tar+gzip", mediaType)
	}
	tr := tar.NewReader(stream)
	thisLayer := map[string]bool{} // paths written by this layer (an opaque whiteout keeps them)
	type dirMode struct {
		path string
		mode os.FileMode
	}
	var dirs []dirMode
	for {
		header, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(path.Clean("/"+header.Name), "/")
		if rel == "" || rel == "." {
			continue // the root itself
		}
		dir, base := path.Split(rel)
		parent, err := resolveInRoot(rootfs, dir)
		if err != nil {
			return err
		}
		if base == ".wh..wh..opq" {
			entries, _ := os.ReadDir(parent)
			for _, entry := range entries {
				if !thisLayer[path.Join(dir, entry.Name())] {
					if err := os.RemoveAll(filepath.Join(parent, entry.Name())); err != nil {
						return err
					}
				}
			}
			continue
		}
		if strings.HasPrefix(base, ".wh.") {
			if err := os.RemoveAll(filepath.Join(parent, strings.TrimPrefix(base, ".wh."))); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return err
		}
		target := filepath.Join(parent, base)
		thisLayer[rel] = true
		existing, statErr := os.Lstat(target)
		if statErr == nil && !(existing.IsDir() && header.Typeflag == tar.TypeDir) {
			if err := os.RemoveAll(target); err != nil {
				return err
			}
		}
		mode := os.FileMode(header.Mode).Perm()
		switch header.Typeflag {
		case tar.TypeDir:
			if statErr != nil || !existing.IsDir() {
				if err := os.Mkdir(target, 0o755); err != nil {
					return err
				}
			}
			dirs = append(dirs, dirMode{target, mode | specialBits(header.Mode)})
		case tar.TypeReg, tar.TypeRegA:
			f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if closeErr := f.Close(); err == nil {
				err = closeErr
			}
			if err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(header.Linkname, target); err != nil {
				return err
			}
		case tar.TypeLink:
			linkDir, linkBase := path.Split(strings.TrimPrefix(path.Clean("/"+header.Linkname), "/"))
			linkParent, err := resolveInRoot(rootfs, linkDir)
			if err != nil {
				return err
			}
			if err := os.Link(filepath.Join(linkParent, linkBase), target); err != nil {
				return err
			}
		case tar.TypeFifo:
			if err := syscall.Mkfifo(target, uint32(mode)); err != nil {
				return err
			}
		default:
			// Device nodes and the like: /dev is the runtime's in a container.
			continue
		}
		if err := os.Lchown(target, header.Uid, header.Gid); err != nil {
			return err
		}
		if header.Typeflag != tar.TypeSymlink && header.Typeflag != tar.TypeDir {
			// After chown, which clears set-id bits.
			if err := os.Chmod(target, mode|specialBits(header.Mode)); err != nil {
				return err
			}
		}
	}
	// Directory modes last: a read-only directory must not stop its own entries.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chmod(dirs[i].path, dirs[i].mode); err != nil {
			return err
		}
	}
	return nil
}

func specialBits(mode int64) os.FileMode {
	var bits os.FileMode
	if mode&0o4000 != 0 {
		bits |= os.ModeSetuid
	}
	if mode&0o2000 != 0 {
		bits |= os.ModeSetgid
	}
	if mode&0o1000 != 0 {
		bits |= os.ModeSticky
	}
	return bits
}

// resolveInRoot resolves the directory rel inside root the way the container
// will see it: symlinks are followed with root as "/", and ".." never climbs
// above root. Components that do not exist yet are kept as named.
func resolveInRoot(root, rel string) (string, error) {
	resolved := ""                                        // inside root, clean, no leading slash
	pending := strings.Split(strings.Trim(rel, "/"), "/") // still to walk
	for links := 0; len(pending) > 0; {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			resolved = strings.TrimPrefix(path.Dir("/"+resolved), "/")
			continue
		}
		next := path.Join(resolved, part)
		info, err := os.Lstat(filepath.Join(root, next))
		if err != nil || info.Mode()&os.ModeSymlink == 0 {
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return "", err
			}
			resolved = next
			continue
		}
		links++
		if links > 40 {
			return "", fmt.Errorf("too many symlinks under %s", rel)
		}
		target, err := os.Readlink(filepath.Join(root, next))
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			resolved = ""
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	return filepath.Join(root, resolved), nil
}

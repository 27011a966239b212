package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	corev1 "k8s.io/api/core/v1"
)

// resolveUser decides who a container's process is, as a kubelet with a CRI
// runtime does: runAsUser/runAsGroup of the container, else of the pod, else
// the image's User ("uid", "uid:gid", "name" or "name:group", names looked up
// in the image's /etc/passwd and /etc/group). A uid without a group takes the
// primary group /etc/passwd gives it, else 0. Supplementary groups are the
// user's groups in /etc/group, the pod's supplementalGroups and its fsGroup.
// runAsNonRoot refuses uid 0.
func resolveUser(pod *corev1.Pod, container *corev1.Container, imageUser, rootfs string) (specs.User, error) {
	passwd := readColonFile(rootfs, "etc/passwd")
	groups := readColonFile(rootfs, "etc/group")

	var uid, gid *int64
	var userName string
	podSC := pod.Spec.SecurityContext
	sc := container.SecurityContext
	switch {
	case sc != nil && sc.RunAsUser != nil:
		uid = sc.RunAsUser
	case podSC != nil && podSC.RunAsUser != nil:
		uid = podSC.RunAsUser
	}
	switch {
	case sc != nil && sc.RunAsGroup != nil:
		gid = sc.RunAsGroup
	case podSC != nil && podSC.RunAsGroup != nil:
		gid = podSC.RunAsGroup
	}
	if uid == nil && imageUser != "" {
		userPart, groupPart, hasGroup := strings.Cut(imageUser, ":")
		id, err := lookupID(userPart, passwd, 2)
		if err != nil {
			return specs.User{}, fmt.Errorf("image user %q: %w", imageUser, err)
		}
		uid = &id
		if hasGroup && gid == nil {
			g, err := lookupID(groupPart, groups, 2)
			if err != nil {
				return specs.User{}, fmt.Errorf("image group %q: %w", imageUser, err)
			}
			gid = &g
		}
	}
	if uid == nil {
		zero := int64(0)
		uid = &zero
	}
	for _, entry := range passwd {
		if len(entry) > 3 && entry[2] == strconv.FormatInt(*uid, 10) {
			userName = entry[0]
			if gid == nil {
				if g, err := strconv.ParseInt(entry[3], 10, 64); err == nil {
					gid = &g
				}
			}
			break
		}
	}
	if gid == nil {
		zero := int64(0)
		gid = &zero
	}
	nonRoot := (sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) ||
		(sc == nil || sc.RunAsNonRoot == nil) && podSC != nil && podSC.RunAsNonRoot != nil && *podSC.RunAsNonRoot
	if nonRoot && *uid == 0 {
		return specs.User{}, fmt.Errorf("container has runAsNonRoot and its user would be root (uid 0)")
	}

	user := specs.User{UID: uint32(*uid), GID: uint32(*gid)}
	seen := map[int64]bool{*gid: true}
	addGroup := func(g int64) {
		if !seen[g] {
			seen[g] = true
			user.AdditionalGids = append(user.AdditionalGids, uint32(g))
		}
	}
	if userName != "" {
		for _, entry := range groups {
			if len(entry) < 4 {
				continue
			}
			for _, member := range strings.Split(entry[3], ",") {
				if member == userName {
					if g, err := strconv.ParseInt(entry[2], 10, 64); err == nil {
						addGroup(g)
					}
				}
			}
		}
	}
	if podSC != nil {
		for _, g := range podSC.SupplementalGroups {
			addGroup(g)
		}
		if podSC.FSGroup != nil {
			addGroup(*podSC.FSGroup)
		}
	}
	return user, nil
}

// lookupID turns a numeric id or a name (column 0 of an /etc/passwd or
// /etc/group line) into its id (column idColumn).
func lookupID(value string, entries [][]string, idColumn int) (int64, error) {
	if id, err := strconv.ParseInt(value, 10, 64); err == nil {
		return id, nil
	}
	for _, entry := range entries {
		if len(entry) > idColumn && entry[0] == value {
			return strconv.ParseInt(entry[idColumn], 10, 64)
		}
	}
	return 0, fmt.Errorf("%q is not in the image's /etc/passwd or /etc/group", value)
}

// readColonFile reads the image's /etc/passwd or /etc/group (rel, resolved
// inside rootfs) as lines of fields; a missing file is empty.
func readColonFile(rootfs, rel string) [][]string {
	file, err := resolveInRoot(rootfs, rel)
	if err != nil {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	var entries [][]string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		entries = append(entries, strings.Split(line, ":"))
	}
	return entries
}

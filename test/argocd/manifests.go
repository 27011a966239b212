package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// readManifests reads every object of the YAML files, in file order (as Argo CD's
// directory source does, it ignores empty documents).
func readManifests(files []string) ([]*unstructured.Unstructured, error) {
	var objects []*unstructured.Unstructured
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			var object map[string]any
			if err := yaml.Unmarshal(doc, &object); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if len(object) == 0 {
				continue
			}
			objects = append(objects, &unstructured.Unstructured{Object: object})
		}
	}
	return objects, nil
}

package walk

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/packetwalk/kubectl-packetwalk/pkg/api"
)

// PrintObject writes the walk as format "json" or "yaml" (the stable api.Walk object, docs/output.md).
func PrintObject(out io.Writer, format string, w *api.Walk) error {
	switch format {
	case "json":
		b, err := json.MarshalIndent(w, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(w)
		if err != nil {
			return err
		}
		_, err = out.Write(b)
		return err
	}
	return fmt.Errorf("unknown output format %q: use json or yaml", format)
}

package plugins_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/packetwalk/kubectl-packetwalk/plugins"
)

// TestOnlyPluginsNameADataplane: code outside plugins/ asks a plugin and never names a dataplane, in a
// string it compares or an identifier; comments and help text citing one as an example are fine.
func TestOnlyPluginsNameADataplane(t *testing.T) {
	all := plugins.All()
	var names []string
	for _, p := range all[:len(all)-1] { // the generic fallback's name is a common word
		names = append(names, regexp.QuoteMeta(p.Name()))
	}
	named := regexp.MustCompile(`(?i)` + strings.Join(names, "|"))
	// internal/netnslab is left out: it lays out lab nodes the way each dataplane does, on purpose.
	for _, root := range []string{"../pkg", "../cmd"} {
		for _, hit := range dataplaneNames(t, root, named) {
			t.Errorf("%s: names a dataplane outside plugins/; ask the node's dataplane.Plugin instead", hit)
		}
	}
}

// The check above finds what it is meant to find.
func TestDataplaneNamesAreFound(t *testing.T) {
	dir := t.TempDir()
	src := `package x

import "strings"

// cilium in a comment is fine.
func f(dataplane, dev string) bool {
	return dataplane == "calico" || strings.HasPrefix(dev, "cilium_")
}

func flannelDevice() {}
`
	if err := writeFile(filepath.Join(dir, "x.go"), src); err != nil {
		t.Fatal(err)
	}
	hits := dataplaneNames(t, dir, regexp.MustCompile(`(?i)calico|cilium|flannel`))
	if len(hits) != 3 {
		t.Errorf("found %q, want the two strings and the function name", hits)
	}
}

// dataplaneNames lists the string literals and identifiers in the non-test Go files under root that match
// named, leaving out comments and the help text of commands (templates.LongDesc and Examples).
func dataplaneNames(t *testing.T, root string, named *regexp.Regexp) []string {
	t.Helper()
	var hits []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
					if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "templates" {
						return false
					}
				}
			case *ast.BasicLit:
				if n.Kind == token.STRING && named.MatchString(n.Value) {
					hits = append(hits, fset.Position(n.Pos()).String()+" "+n.Value)
				}
			case *ast.Ident:
				if named.MatchString(n.Name) {
					hits = append(hits, fset.Position(n.Pos()).String()+" "+n.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o644) }

// TestImportsRunDownwards: the use cases (the walk, inspect, the commands) build on the plugins, which
// build on the facts; nothing imports upwards.
func TestImportsRunDownwards(t *testing.T) {
	const module = "github.com/packetwalk/kubectl-packetwalk/"
	for _, layer := range []struct {
		root    string
		forbids []string
		name    string
	}{
		{"../pkg/nodefacts", []string{"plugins", "pkg/walk", "pkg/inspect", "pkg/cmd"}, "the facts"},
		{".", []string{"pkg/walk", "pkg/inspect", "pkg/cmd"}, "a plugin"},
	} {
		fset := token.NewFileSet()
		err := filepath.WalkDir(layer.root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			for _, imp := range f.Imports {
				for _, up := range layer.forbids {
					if p := strings.Trim(imp.Path.Value, `"`); p == module+up || strings.HasPrefix(p, module+up+"/") {
						t.Errorf("%s: %s imports %s", path, layer.name, p)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

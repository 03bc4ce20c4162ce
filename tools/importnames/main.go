// Command importnames checks that every Go file names the contract packages one way
// (docs/service-layout.md, "Import names"): idl/kitex_gen/<x> as <x>api, the generated
// service packages under their own names, and a package of the importer's own name as domain.
// `make lint` runs it over the repository; it prints each offending import and exits 1.
package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	module   = "github.com/cartwheel-shop/cartwheel/"
	contract = module + "idl/kitex_gen/"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	problems, err := checkTree(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "importnames:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		fmt.Printf("importnames: %d import(s) break the naming rule in docs/service-layout.md\n", len(problems))
		os.Exit(1)
	}
	fmt.Println("importnames: clean")
}

// checkTree checks every hand-written Go file below root; the generated code, hidden
// folders, testdata and vendored trees are not ours to name.
func checkTree(root string) ([]string, error) {
	var problems []string
	generated := filepath.Join(root, "idl", "kitex_gen")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if p == generated || (p != root && strings.HasPrefix(name, ".")) ||
				name == "testdata" || name == "vendor" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found, err := checkFile(p, src)
		problems = append(problems, found...)
		return err
	})
	return problems, err
}

// checkFile returns one line per import of the repository's packages named against the rule.
func checkFile(filename string, src []byte) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ImportsOnly)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil || !strings.HasPrefix(p, module) {
			continue
		}
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if want, ok := wantName(p, f.Name.Name); ok && name != want {
			problems = append(problems, fmt.Sprintf("%s: import %q is named %s; name it %s",
				fset.Position(imp.Pos()), p, name, want))
		}
	}
	return problems, nil
}

// wantName is the rule: the name an import of path must carry in a file of package pkg, and
// whether the rule speaks about that path at all.
func wantName(p, pkg string) (string, bool) {
	base := path.Base(p)
	if rest, ok := strings.CutPrefix(p, contract); ok {
		if strings.Contains(rest, "/") {
			return base, true // orderservice, userservice, …: the generated client and server
		}
		return base + "api", true // orderapi.Order beside the domain's order.Order
	}
	if base == pkg {
		return "domain", true // package order importing internal/order: one Service per file
	}
	return "", false
}

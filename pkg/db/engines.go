package db

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Engine suffixes of migration files. A migration is one NNNN_name.sql file that runs
// unchanged on both engines, or, where their SQL differs (DROP INDEX, say), a pair:
// NNNN_name.sqlite.sql and NNNN_name.mysql.sql. Each engine sees its own file of a
// pair under the plain name, so goose numbers and records the migration alike on both.
const (
	sqliteSuffix = ".sqlite.sql"
	mysqlSuffix  = ".mysql.sql"
)

// forEngine is the folder migrations as the engine named driver ("sqlite" or "mysql")
// reads it. It fails on a pair with a half missing, or a migration written both ways.
func forEngine(migrations fs.FS, driver string) (fs.FS, error) {
	all, err := fs.Glob(migrations, "*.sql")
	if err != nil {
		return nil, err
	}
	own, other := sqliteSuffix, mysqlSuffix
	if driver == "mysql" {
		own, other = mysqlSuffix, sqliteSuffix
	}
	have := func(name string) bool { return slices.Contains(all, name) }
	shown := map[string]string{}
	var problems []string
	for _, name := range all {
		switch {
		case strings.HasSuffix(name, own):
			base := strings.TrimSuffix(name, own)
			if !have(base + other) {
				problems = append(problems, fmt.Sprintf("%s has no %s twin", name, other))
			}
			shown[base+".sql"] = name
		case strings.HasSuffix(name, other):
			if !have(strings.TrimSuffix(name, other) + own) {
				problems = append(problems, fmt.Sprintf("%s has no %s twin", name, own))
			}
		default:
			base := strings.TrimSuffix(name, ".sql")
			if have(base+own) || have(base+other) {
				problems = append(problems, fmt.Sprintf("%s is also written per engine", name))
			}
			shown[name] = name
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("db: migrations: %s", strings.Join(problems, "; "))
	}
	return renamedFS{src: migrations, files: shown}, nil
}

// renamedFS shows files of src at the root under other names; it is all goose needs
// (fs.Glob over the root, then Open).
type renamedFS struct {
	src   fs.FS
	files map[string]string // shown name → name in src
}

func (r renamedFS) Open(name string) (fs.File, error) {
	if src, ok := r.files[name]; ok {
		return r.src.Open(src)
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (r renamedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if path.Clean(name) != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	entries := make([]fs.DirEntry, 0, len(r.files))
	for shown, src := range r.files {
		info, err := fs.Stat(r.src, src)
		if err != nil {
			return nil, err
		}
		entries = append(entries, renamedEntry{DirEntry: fs.FileInfoToDirEntry(info), name: shown})
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

type renamedEntry struct {
	fs.DirEntry
	name string
}

func (e renamedEntry) Name() string { return e.name }

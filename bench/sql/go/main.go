// bench/sql peer: Go's net/http with database/sql (lib/pq or
// mattn/go-sqlite3, from Debian's golang-github-*-dev packages), answering
// the same query as rows.goost. Usage: server sqlite:PATH|postgres://… PORT
package main

import (
	"database/sql"
	"encoding/json"
	"math/rand"
	"net/http"
	"os"
	"strings"

	_ "github.com/lib/pq"
	_ "github.com/mattn/go-sqlite3"
)

type item struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Score float64 `json:"score"`
}

func main() {
	url, port := os.Args[1], os.Args[2]
	driver, dsn, query := "postgres", url, "SELECT id, name, score FROM items WHERE grp = $1 ORDER BY id"
	if !strings.HasPrefix(url, "sqlite:") && !strings.Contains(url, "sslmode=") {
		dsn += "?sslmode=disable" // lib/pq defaults to requiring TLS; libpq and pg try it first
	}
	if strings.HasPrefix(url, "sqlite:") {
		driver, dsn = "sqlite3", strings.TrimPrefix(url, "sqlite:")+"?_journal_mode=WAL"
		query = strings.Replace(query, "$1", "?", 1)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		panic(err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	stmt, err := db.Prepare(query)
	if err != nil {
		panic(err)
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rows, err := stmt.Query(1 + rand.Intn(10000))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer rows.Close()
		out := []item{}
		for rows.Next() {
			var it item
			rows.Scan(&it.ID, &it.Name, &it.Score)
			out = append(out, it)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	println("listening on " + port)
	http.ListenAndServe("127.0.0.1:"+port, nil)
}

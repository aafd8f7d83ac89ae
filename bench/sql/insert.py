# bench/sql: 100,000 rows inserted in one transaction with Python's sqlite3
# (the same statement and values as insert.goost). Usage: python3 insert.py PATH
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
with db:
    for i in range(100000):
        db.execute("INSERT INTO t (name, score) VALUES (?, ?)", ("row " + str(i), i * 0.25))
print(db.execute("SELECT count(*) FROM t").fetchone()[0])

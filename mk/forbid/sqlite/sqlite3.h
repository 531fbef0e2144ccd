/* Shadows <sqlite3.h> for the folders that may not use SQLite (docs/architecture.md, "Layers").
 * The Makefile puts this directory first on their include path. */
#error "layering: SQLite is not for this folder (docs/architecture.md: which folder may use which library)"

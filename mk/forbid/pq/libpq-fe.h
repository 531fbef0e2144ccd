/* Shadows <libpq-fe.h> for the folders that may not use libpq (docs/architecture.md, "Layers").
 * The Makefile puts this directory first on their include path. */
#error "layering: libpq is not for this folder (docs/architecture.md: which folder may use which library)"

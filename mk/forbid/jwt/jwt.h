/* Shadows <jwt.h> for the folders that may not use libjwt (docs/architecture.md, "Layers").
 * The Makefile puts this directory first on their include path. */
#error "layering: libjwt is not for this folder (docs/architecture.md: which folder may use which library)"

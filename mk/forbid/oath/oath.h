/* Shadows <oath.h> (liboath, TOTP) for the folders that may not use it (docs/architecture.md, "Layers").
 * The Makefile puts this directory first on their include path. */
#error "layering: liboath is not for this folder (docs/architecture.md: which folder may use which library)"

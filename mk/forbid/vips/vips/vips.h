/* Shadows <vips/vips.h> for the folders that may not use libvips (docs/architecture.md, "Layers").
 * The Makefile puts this directory first on their include path. */
#error "layering: libvips is not for this folder (docs/architecture.md: which folder may use which library)"

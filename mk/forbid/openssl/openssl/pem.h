/* Shadows <openssl/pem.h> for the folders that may not use OpenSSL (docs/architecture.md, "Layers").
 * The Makefile puts this directory first on their include path. */
#error "layering: OpenSSL is not for this folder (docs/architecture.md: which folder may use which library)"

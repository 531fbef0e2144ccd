/* The OpenAPI document's hand-written parts, built into the binary (api_openapi.c): the
 * schemas and the description of the WebSocket protocols, each NUL-terminated. The paths are
 * relative to the repository root, where make runs. */
    .section .rodata
    .global api_openapi_schemas
    .type api_openapi_schemas, @object
api_openapi_schemas:
    .incbin "src/api/openapi/schemas.json"
    .byte 0
    .size api_openapi_schemas, . - api_openapi_schemas
    .global api_openapi_websockets
    .type api_openapi_websockets, @object
api_openapi_websockets:
    .incbin "src/api/openapi/websockets.md"
    .byte 0
    .size api_openapi_websockets, . - api_openapi_websockets
    .section .note.GNU-stack,"",@progbits

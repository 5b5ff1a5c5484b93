"""The web frontend: the resident app (/app) and the staff console (/console).

A frontend like any other: it calls the gateway over HTTP (LINLI_API_URL), keeps the
gateway's token in an HttpOnly cookie, renders pages on the server (zh-CN and en, an
elder mode) and holds no domain rules."""

// Kept out of redoc.html so that the Content-Security-Policy needs no inline scripts.
Redoc.init("/openapi.json", { hideDownloadButton: false }, document.getElementById("redoc-container"));

"""One router per resource; `search_api.app.ROUTERS` lists them."""

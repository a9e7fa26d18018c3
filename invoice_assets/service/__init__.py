"""The online classification service (`invoices serve`): one invoice in over HTTP, the `invoices predict`
JSON out, stored in the same tables as the batch path.

Follow the names from `app.create_app` (routes, API key, reading the upload): `settings`, `middleware`
(body cap, access log), `pool` and `work` (the OCR worker processes), `champion` (the model behind the
`champion` alias), `store` (its rows), `classify` (the use case that ties them together), `server` (uvicorn).
"""

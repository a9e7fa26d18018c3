"""The online classification service (`invoices serve`): one invoice in over HTTP, the `invoices predict`
JSON out, stored in the same tables as the batch path.

Follow the names from `app.create_app`: `settings` (environment → ServiceSettings), `uploads` (reading
and validating the multipart upload), `work` (what runs in the OCR worker processes), `champion` (the
registered model behind the `champion` alias), `store` (the rows it reads and writes), `classify` (the
use case that ties them together) and `server` (uvicorn).
"""

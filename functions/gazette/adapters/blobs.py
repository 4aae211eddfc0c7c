"""Full texts in S3: an issue can exceed DynamoDB's 400 KB item limit."""

from __future__ import annotations

from typing import Any

from gazette.adapters.errors import AWS_ERRORS, StoreError


class BlobStore:
    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self.bucket = bucket

    def put_text(self, key: str, text: str) -> str:
        """Writes the text under a key derived from the document id: writing it again is harmless."""
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=text.encode("utf-8"),
                ContentType="text/plain; charset=utf-8",
            )
        except AWS_ERRORS as exc:
            raise StoreError("storing a document text failed") from exc
        return f"s3://{self.bucket}/{key}"

    def get_url(self, url: str) -> str:
        """Reads `s3://bucket/key` as written by put_text (only from this store's bucket)."""
        prefix = f"s3://{self.bucket}/"
        if not url.startswith(prefix):
            raise StoreError("text location is outside the documents bucket")
        return self.get_text(url.removeprefix(prefix))

    def get_text(self, key: str) -> str:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except AWS_ERRORS as exc:
            raise StoreError("reading a document text failed") from exc
        return body.decode("utf-8")

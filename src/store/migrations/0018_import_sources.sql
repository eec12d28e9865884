-- Frugal schema, version 18: `frugal bill import DIR|s3://…` walks an export's folders and takes
-- only what is new or changed; an S3 object is recognised by its ETag without downloading it again.

ALTER TABLE imports ADD COLUMN source_etag TEXT NOT NULL DEFAULT ''; -- ETag of the S3 object imported ('' for a local file: file_sha256 recognises it)

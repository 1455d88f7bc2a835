// A stand-in for S3 on 127.0.0.1 (path-style PutObject, GetObject, ListObjectsV2): object
// storage is outside our control, so the backup's S3 adapter is checked against the requests
// the real SDK sends.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestS3 {
  endpoint: string;
  objects: Map<string, Buffer>;
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startS3(): Promise<TestS3> {
  const objects = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://s3');
      const [, bucket, ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      if (req.method === 'PUT' && key) {
        objects.set(`${bucket}/${key}`, Buffer.concat(chunks));
        res.writeHead(200, { etag: '"0"' });
        return res.end();
      }
      if (req.method === 'GET' && key) {
        const body = objects.get(`${bucket}/${key}`);
        if (!body) {
          res.writeHead(404, { 'content-type': 'application/xml' });
          return res.end('<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>');
        }
        res.writeHead(200, {
          'content-length': body.length,
          'content-type': 'application/octet-stream',
        });
        return res.end(body);
      }
      if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        const prefix = url.searchParams.get('prefix') ?? '';
        const keys = [...objects.keys()]
          .filter((k) => k.startsWith(`${bucket}/${prefix}`))
          .map((k) => k.slice(bucket!.length + 1));
        res.writeHead(200, { 'content-type': 'application/xml' });
        return res.end(
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><IsTruncated>false</IsTruncated>${keys
            .map(
              (k) =>
                `<Contents><Key>${xml(k)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>${objects.get(`${bucket}/${k}`)!.length}</Size></Contents>`,
            )
            .join('')}</ListBucketResult>`,
        );
      }
      res.writeHead(400);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Where archived audit records go: a directory (the default) or an S3 bucket and prefix
// (s3://bucket/prefix). Objects are written once and never overwritten with other content.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface ArchiveStore {
  readonly location: string;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
}

export interface ArchiveStoreOptions {
  region?: string | undefined;
  endpoint?: string | undefined;
}

export function openArchiveStore(location: string, s3: ArchiveStoreOptions = {}): ArchiveStore {
  if (location.startsWith('s3://')) return s3Store(location, s3);
  const directory = path.resolve(location);
  return {
    location: directory,
    async put(key, body) {
      const target = path.join(directory, key);
      await mkdir(path.dirname(target), { recursive: true });
      // Written aside and renamed: a reader never sees half a file.
      const partial = `${target}.partial`;
      await writeFile(partial, body);
      await rename(partial, target);
    },
    get: (key) => readFile(path.join(directory, key)),
  };
}

function s3Store(location: string, options: ArchiveStoreOptions): ArchiveStore {
  const url = new URL(location);
  const bucket = url.hostname;
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  const objectKey = (key: string) => (prefix ? `${prefix}/${key}` : key);
  const client = new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    location,
    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: objectKey(key),
          Body: body,
          ContentType: contentType,
          ServerSideEncryption: 'AES256',
        }),
      );
    },
    async get(key) {
      const object = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }),
      );
      if (!object.Body) throw new Error(`audit archive ${key} is empty`);
      return Buffer.from(await object.Body.transformToByteArray());
    },
  };
}

// Where identity documents are kept: a directory (the embedded default, under the data
// directory) or an S3 bucket, where every object is written with server-side encryption.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

export interface DocumentStore {
  readonly location: string;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

export interface DocumentStoreOptions {
  region?: string | undefined;
  endpoint?: string | undefined;
}

const SAFE_KEY = /^[0-9a-f-]{36}\/[0-9a-f-]{36}$/;

function checkKey(key: string): string {
  // Keys are made of ids only (player/document); anything else is a bug, never a path.
  if (!SAFE_KEY.test(key)) throw new Error(`unexpected document key ${key}`);
  return key;
}

export function documentStore(location: string, options: DocumentStoreOptions = {}): DocumentStore {
  return location.startsWith('s3://') ? s3Store(location, options) : directoryStore(location);
}

function directoryStore(directory: string): DocumentStore {
  const file = (key: string) => path.join(directory, checkKey(key));
  return {
    location: directory,
    async put(key, body) {
      await mkdir(path.dirname(file(key)), { recursive: true, mode: 0o700 });
      await writeFile(file(key), body, { mode: 0o600, flag: 'wx' });
    },
    get: (key) => readFile(file(key)),
    async delete(key) {
      await rm(file(key), { force: true });
    },
  };
}

function s3Store(location: string, options: DocumentStoreOptions): DocumentStore {
  const url = new URL(location);
  const bucket = url.hostname;
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  const objectKey = (key: string) => (prefix ? `${prefix}/${checkKey(key)}` : checkKey(key));
  const client = new S3Client({
    region: options.region ?? 'us-east-1',
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
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
      return Buffer.from(await object.Body!.transformToByteArray());
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },
  };
}

/** The type of a document by its first bytes (never by its name or the client's word). */
export function sniffType(head: Buffer): 'image/jpeg' | 'image/png' | 'application/pdf' | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
    return 'image/jpeg';
  if (
    head.length >= 8 &&
    head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'image/png';
  if (head.length >= 5 && head.subarray(0, 5).toString('latin1') === '%PDF-')
    return 'application/pdf';
  return null;
}

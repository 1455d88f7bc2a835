import { Type } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { notFound } from '../../platform/errors.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { findAccount, presentAccount, registerPlayer } from './accounts.ts';
import {
  Account,
  Jwks,
  LoginBody,
  RefreshBody,
  RegisterBody,
  Registered,
  Tokens,
} from './schemas.ts';
import { login, refresh } from './sessions.ts';
import type { TokenService } from './tokens.ts';

export interface IdentityRouteDeps {
  db: Db;
  config: Config;
  tokens: TokenService;
}

export function identityRoutes(app: HttpServer, deps: IdentityRouteDeps): void {
  const { db, tokens } = deps;

  app.post(
    '/api/v1/auth/register',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Register a player',
        body: RegisterBody,
        response: { 201: Registered },
      },
    },
    async (request, reply) => {
      const account = await registerPlayer(db, deps.config, request.body);
      return reply.code(201).send({ accountId: account.id });
    },
  );

  // One door per kind of account: a staff member cannot sign in at the player door.
  for (const [prefix, kind] of [
    ['/api/v1/auth', 'player'],
    ['/api/v1/staff/auth', 'staff'],
  ] as const) {
    app.post(
      `${prefix}/login`,
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: `Sign in (${kind})`,
          body: LoginBody,
          response: { 200: Tokens },
        },
      },
      async (request) => login(db, tokens, kind, request.body),
    );
    app.post(
      `${prefix}/refresh`,
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: `Exchange a refresh token for a new pair (${kind})`,
          body: RefreshBody,
          response: { 200: Tokens },
        },
      },
      async (request) => refresh(db, tokens, kind, request.body.refreshToken),
    );
    app.post(
      `${prefix}/logout`,
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: `Sign out (${kind}): the refresh token and every token rotated from it stop working`,
          body: RefreshBody,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        // Holding the refresh token is the credential; an unknown token changes nothing, and
        // the answer is the same either way.
        await db.transaction((tx) => tokens.revoke(tx, request.body.refreshToken));
        return reply.code(204).send(null);
      },
    );
  }

  app.get(
    '/api/v1/me',
    {
      config: { access: 'authenticated' },
      schema: { tags: ['auth'], summary: 'My account', response: { 200: Account } },
    },
    async (request) => {
      const account = await findAccount(db, request.principal!.accountId);
      if (!account) throw notFound('account');
      return presentAccount(account);
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'Public keys of access tokens', response: { 200: Jwks } },
    },
    async () => tokens.jwks(),
  );
}

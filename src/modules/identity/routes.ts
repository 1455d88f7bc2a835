import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { DomainError, notFound } from '../../platform/errors.ts';
import { contextOf, IdParams } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import { attributeRegistration, visitorFromCookie } from '../affiliates/index.ts';
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  endMySession,
  mySessions,
  removeSecondFactor,
  renewRecoveryCodes,
  requestPasswordReset,
  resendVerification,
  resetPassword,
  verifyEmail,
} from './account-security.ts';
import { findAccount, presentAccount, registerPlayer } from './accounts.ts';
import type { PlayerGate } from './player-gate.ts';
import {
  AccessToken,
  Account,
  CodeBody,
  EmailBody,
  Enrolled,
  Enrolment,
  Jwks,
  LoginBody,
  LoginResult,
  MfaLoginBody,
  RecoveryCodes,
  RefreshBody,
  RegisterBody,
  Registered,
  ResetBody,
  SecondFactorBody,
  Session,
  TokenBody,
  Tokens,
} from './schemas.ts';
import { completeMfaLogin, login, logout, refresh, type SignInContext, stepUp } from './sign-in.ts';
import type { TokenService } from './tokens.ts';

export interface IdentityRouteDeps {
  db: Db;
  config: Config;
  tokens: TokenService;
  /** Responsible-gambling checks at registration and sign-in. */
  gate?: PlayerGate | undefined;
}

/** The doors: each signs in only its own kind of account. */
export const DOORS = [
  ['/api/v1/auth', 'player'],
  ['/api/v1/staff/auth', 'staff'],
  ['/api/v1/partner/auth', 'partner'],
] as const;

const signInContext = (request: FastifyRequest): SignInContext => ({
  ...contextOf(request),
  userAgent:
    typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
});

function oneFactor(body: { code?: string | undefined; recoveryCode?: string | undefined }) {
  if ((body.code === undefined) === (body.recoveryCode === undefined)) {
    throw new DomainError('invalid_factor', 'invalid', 'Send either a code or a recovery code.');
  }
  return body;
}

export function identityRoutes(app: HttpServer, deps: IdentityRouteDeps): void {
  const { db, tokens } = deps;
  const signIn = { db, tokens, config: deps.config, gate: deps.gate };
  const auth = { tags: ['auth'] };
  const mfa = { tags: ['mfa'] };

  app.post(
    '/api/v1/auth/register',
    {
      config: { access: 'public' },
      schema: {
        ...auth,
        summary: 'Register a player',
        body: RegisterBody,
        response: { 201: Registered },
      },
    },
    async (request, reply) => {
      const account = await registerPlayer(
        db,
        deps.config,
        request.body,
        contextOf(request),
        deps.gate,
      );
      // Credit an affiliate from the tracking-link cookie (docs/affiliates.md). The account
      // exists either way: a failure here is logged, never turned into a failed registration.
      await attributeRegistration(
        db,
        account.id,
        visitorFromCookie(request.headers.cookie),
        deps.config.affiliates,
      ).catch((error) => request.log.error({ err: error }, 'affiliate attribution failed'));
      return reply.code(201).send({ accountId: account.id });
    },
  );

  for (const [prefix, kind] of DOORS) {
    app.post(
      `${prefix}/login`,
      {
        config: { access: 'public' },
        schema: {
          ...auth,
          summary: `Sign in (${kind}): tokens, or a challenge for the second factor`,
          body: LoginBody,
          response: { 200: LoginResult },
        },
      },
      async (request) => login(signIn, kind, request.body, signInContext(request)),
    );
    app.post(
      `${prefix}/login/mfa`,
      {
        config: { access: 'public' },
        schema: {
          ...auth,
          summary: `Complete a sign-in with the second factor (${kind})`,
          body: MfaLoginBody,
          response: { 200: Tokens },
        },
      },
      async (request) =>
        completeMfaLogin(
          signIn,
          kind,
          { ...oneFactor(request.body), mfaToken: request.body.mfaToken },
          signInContext(request),
        ),
    );
    app.post(
      `${prefix}/refresh`,
      {
        config: { access: 'public' },
        schema: {
          ...auth,
          summary: `Exchange a refresh token for a new pair (${kind})`,
          body: RefreshBody,
          response: { 200: Tokens },
        },
      },
      async (request) => refresh(signIn, kind, request.body.refreshToken, signInContext(request)),
    );
    app.post(
      `${prefix}/logout`,
      {
        config: { access: 'public' },
        schema: {
          ...auth,
          summary: `Sign out (${kind}): the session of this refresh token ends`,
          body: RefreshBody,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        // Holding the refresh token is the credential; an unknown token changes nothing,
        // and the answer is the same either way.
        await logout(signIn, kind, request.body.refreshToken, signInContext(request));
        return reply.code(204).send(null);
      },
    );
    app.post(
      `${prefix}/password-reset`,
      {
        config: { access: 'public' },
        schema: {
          ...auth,
          summary: `Mail a password reset link (${kind}); the answer is the same whether or not the address has an account`,
          body: EmailBody,
          response: { 202: Type.Null() },
        },
      },
      async (request, reply) => {
        await requestPasswordReset(signIn, kind, request.body.email, signInContext(request));
        return reply.code(202).send(null);
      },
    );
    app.post(
      `${prefix}/password-reset/confirm`,
      {
        config: { access: 'public' },
        schema: {
          ...auth,
          summary: `Set a new password with the mailed token (${kind}); every session ends`,
          body: ResetBody,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await resetPassword(signIn, kind, request.body, signInContext(request));
        return reply.code(204).send(null);
      },
    );
  }

  app.post(
    '/api/v1/auth/verify-email',
    {
      config: { access: 'public' },
      schema: {
        ...auth,
        summary: 'Verify an email address with the mailed token',
        body: TokenBody,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await verifyEmail(signIn, request.body.token, signInContext(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { access: 'authenticated' },
      schema: { ...auth, summary: 'My account', response: { 200: Account } },
    },
    async (request) => {
      const account = await findAccount(db, request.principal!.accountId);
      if (!account) throw notFound('account');
      return presentAccount(account);
    },
  );

  app.post(
    '/api/v1/me/email-verification',
    {
      config: { access: 'authenticated' },
      schema: {
        ...auth,
        summary: 'Mail the verification link again',
        response: { 202: Type.Null() },
      },
    },
    async (request, reply) => {
      await resendVerification(signIn, request.principal!);
      return reply.code(202).send(null);
    },
  );

  app.get(
    '/api/v1/sessions',
    {
      config: { access: 'authenticated' },
      schema: {
        ...auth,
        summary: 'My signed-in sessions',
        response: { 200: Type.Object({ items: Type.Array(Session) }) },
      },
    },
    async (request) => ({ items: await mySessions(signIn, request.principal!) }),
  );

  app.delete(
    '/api/v1/sessions/:id',
    {
      config: { access: 'authenticated' },
      schema: {
        ...auth,
        summary: 'End one of my sessions',
        params: IdParams,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await endMySession(signIn, request.principal!, request.params.id, signInContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/mfa/totp',
    {
      config: { access: 'authenticated' },
      schema: {
        ...mfa,
        summary: 'Start enrolling an authenticator app (TOTP)',
        response: { 201: Enrolment },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await beginTotpEnrolment(signIn, request.principal!, signInContext(request))),
  );

  app.post(
    '/api/v1/mfa/totp/confirm',
    {
      config: { access: 'authenticated' },
      schema: {
        ...mfa,
        summary: 'Confirm the enrolment with a first code: recovery codes and a new access token',
        body: CodeBody,
        response: { 200: Enrolled },
      },
    },
    async (request) =>
      confirmTotpEnrolment(signIn, request.principal!, request.body.code, signInContext(request)),
  );

  app.delete(
    '/api/v1/mfa/totp',
    {
      config: { access: 'authenticated', stepUp: true },
      schema: {
        ...mfa,
        summary: 'Remove the second factor (not for staff)',
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await removeSecondFactor(signIn, request.principal!, signInContext(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/mfa/recovery-codes',
    {
      config: { access: 'authenticated', stepUp: true },
      schema: { ...mfa, summary: 'Replace the recovery codes', response: { 200: RecoveryCodes } },
    },
    async (request) => ({
      recoveryCodes: await renewRecoveryCodes(signIn, request.principal!, signInContext(request)),
    }),
  );

  app.post(
    '/api/v1/mfa/step-up',
    {
      config: { access: 'authenticated' },
      schema: {
        ...mfa,
        summary: 'Prove the second factor again before a sensitive action: a fresh access token',
        body: SecondFactorBody,
        response: { 200: AccessToken },
      },
    },
    async (request) =>
      stepUp(signIn, request.principal!, oneFactor(request.body), signInContext(request)),
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: { access: 'public' },
      schema: { ...auth, summary: 'Public keys of access tokens', response: { 200: Jwks } },
    },
    async () => tokens.jwks(),
  );
}

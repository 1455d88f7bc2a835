// HTTP: staff administration and custom roles (staff:manage). Granting permissions — a new
// staff member's roles, a role change, a new role — needs a recent second-factor proof.
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db/db.ts';
import { IdParams, PageQuery } from '../../platform/http/schemas.ts';
import type { HttpServer } from '../../platform/http/server.ts';
import {
  NewRoleBody,
  NewStaffBody,
  RoleList,
  RoleSchema,
  RolesBody,
  StaffMember,
  StaffPage,
} from './admin-schemas.ts';
import { requestActor } from './partner-routes.ts';
import { requires } from './permissions.ts';
import { createRole, listRoles } from './roles.ts';
import { changeStaffRoles, createStaffMember, listStaff } from './staff-admin.ts';

export function staffAdminRoutes(app: HttpServer, deps: { db: Db; config: Config }): void {
  const { db, config } = deps;
  const admin = { tags: ['admin'] };

  app.get(
    '/api/v1/admin/staff',
    {
      config: { access: requires('staff:manage') },
      schema: {
        ...admin,
        summary: 'Staff members with their roles and permissions',
        querystring: PageQuery,
        response: { 200: StaffPage },
      },
    },
    async (request) => listStaff(db, request.query),
  );

  app.post(
    '/api/v1/admin/staff',
    {
      config: { access: requires('staff:manage'), stepUp: true },
      schema: {
        ...admin,
        summary: 'Create a staff member; the roles may grant only permissions you hold',
        body: NewStaffBody,
        response: { 201: StaffMember },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createStaffMember(db, config, requestActor(request), request.body)),
  );

  app.put(
    '/api/v1/admin/staff/:id/roles',
    {
      config: { access: requires('staff:manage'), stepUp: true },
      schema: {
        ...admin,
        summary:
          "Replace a staff member's roles (not your own); their sign-ins end, so the change applies at their next sign-in",
        params: IdParams,
        body: RolesBody,
        response: { 200: StaffMember },
      },
    },
    async (request) =>
      changeStaffRoles(db, requestActor(request), request.params.id, request.body.roles),
  );

  app.get(
    '/api/v1/admin/roles',
    {
      config: { access: requires('staff:manage') },
      schema: {
        ...admin,
        summary: 'Built-in and custom roles with their permissions',
        response: { 200: RoleList },
      },
    },
    async () => ({ items: await listRoles(db) }),
  );

  app.post(
    '/api/v1/admin/roles',
    {
      config: { access: requires('staff:manage'), stepUp: true },
      schema: {
        ...admin,
        summary: 'Define a custom role from permissions you hold',
        body: NewRoleBody,
        response: { 201: RoleSchema },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createRole(db, requestActor(request), request.body)),
  );
}

import { Controller, Get } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { Audiences, CurrentPrincipal, type GatehousePrincipal } from '@gatehouse/nest';
import { PRINCIPAL_VIEW_SCHEMA, principalView } from '../caller.js';

/** The web and api surfaces: each route takes only its own audience's tokens. */
@Controller()
export class ProfileController {
  @Get('web/profile')
  @Audiences('web')
  @RouteSchema({ response: { 200: PRINCIPAL_VIEW_SCHEMA } })
  web(@CurrentPrincipal() principal: GatehousePrincipal) {
    return principalView(principal);
  }

  @Get('api/profile')
  @Audiences('api')
  @RouteSchema({ response: { 200: PRINCIPAL_VIEW_SCHEMA } })
  api(@CurrentPrincipal() principal: GatehousePrincipal) {
    return principalView(principal);
  }
}

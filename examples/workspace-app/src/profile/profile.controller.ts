import { Controller, Get } from '@nestjs/common';
import { Audiences, CurrentPrincipal, type GatehousePrincipal } from '@gatehouse/nest';
import { principalView } from '../caller.js';

/** The web and api surfaces: each route takes only its own audience's tokens. */
@Controller()
export class ProfileController {
  @Get('web/profile')
  @Audiences('web')
  web(@CurrentPrincipal() principal: GatehousePrincipal) {
    return principalView(principal);
  }

  @Get('api/profile')
  @Audiences('api')
  api(@CurrentPrincipal() principal: GatehousePrincipal) {
    return principalView(principal);
  }
}

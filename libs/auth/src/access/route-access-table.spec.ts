import { Controller, Get, Post } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import { ROUTE_ACCESS_CONFIG, RouteAccessDeclarationError, RouteAccessTable } from './route-access-table.js';
import { Audiences, Public } from './route-access.decorators.js';

@Controller('declared')
class DeclaredController {
  @Get() @Public() open() {}
  @Post() @Audiences('web', 'mcp') guarded() {}
  helper() {}
}

@Public()
@Controller('public-class')
class PublicClassController {
  @Get() anything() {}
}

@Audiences('api')
@Controller('api-class')
class ApiClassController {
  @Get() inherits() {}
  @Post() @Audiences('web') overrides() {}
}

@Public()
@Controller('mixed')
class MixedController {
  @Get() @Audiences('web') guardedInPublicClass() {}
}

@Audiences('web')
@Controller('mixed-the-other-way')
class MixedTheOtherWayController {
  @Get() @Public() publicInGuardedClass() {}
}

@Controller('both')
class BothController {
  @Get() @Public() @Audiences('web') both() {}
}

@Controller('forgotten')
class ForgottenController {
  @Get() forgotten() {}
  @Post() @Audiences('api') fine() {}
}

const ALL = ['web', 'api', 'a2a', 'mcp'] as const;

function problemsOf(controllers: Parameters<typeof RouteAccessTable.resolve>[0]): readonly string[] {
  try {
    RouteAccessTable.resolve(controllers, ALL);
  } catch (error) {
    if (error instanceof RouteAccessDeclarationError) return error.problems;
    throw error;
  }
  return [];
}

describe('RouteAccessTable', () => {
  it('resolves each route from the method, or else its class', () => {
    const table = RouteAccessTable.resolve([DeclaredController, PublicClassController, ApiClassController], ALL);
    expect(table.accessOf(DeclaredController.prototype.open)).toEqual({ public: true });
    expect(table.accessOf(DeclaredController.prototype.guarded)).toMatchObject({ public: false, audiences: new Set(['web', 'mcp']) });
    expect(table.accessOf(PublicClassController.prototype.anything)).toEqual({ public: true });
    expect(table.accessOf(ApiClassController.prototype.inherits)).toMatchObject({ audiences: new Set(['api']) });
    expect(table.accessOf(DeclaredController.prototype.helper)).toBeUndefined();
  });

  it('lets the method’s own audiences win over its class’s', () => {
    const table = RouteAccessTable.resolve([ApiClassController], ALL);
    expect(table.accessOf(ApiClassController.prototype.overrides)).toMatchObject({ audiences: new Set(['web']) });
  });

  it('refuses a method’s @Audiences() under a class-level @Public(), which used to make the route public', () => {
    expect(problemsOf([MixedController])).toEqual([
      'MixedController.guardedInPublicClass mixes @Public() and @Audiences() between the method and its class',
    ]);
  });

  it('refuses a method’s @Public() under a class-level @Audiences()', () => {
    expect(problemsOf([MixedTheOtherWayController])).toEqual([
      'MixedTheOtherWayController.publicInGuardedClass mixes @Public() and @Audiences() between the method and its class',
    ]);
  });

  it('refuses a route that declares both on one level, and names every undeclared route', () => {
    expect(problemsOf([BothController, ForgottenController, DeclaredController])).toEqual([
      'BothController.both declares both @Public() and @Audiences()',
      'ForgottenController.forgotten declares neither @Public() nor @Audiences()',
    ]);
  });

  it('drops audiences the deployment does not serve', () => {
    const table = RouteAccessTable.resolve([DeclaredController], ['web']);
    expect(table.accessOf(DeclaredController.prototype.guarded)).toMatchObject({ audiences: new Set(['web']), declared: ['web', 'mcp'] });
  });

  it('prepares each route’s audience refusal at start-up, naming the audiences it accepts that are served', () => {
    const table = RouteAccessTable.resolve([DeclaredController, ApiClassController], ['web', 'api']);
    const refusalOf = (handler: () => void) => {
      const access = table.accessOf(handler);
      if (access === undefined || access.public) throw new Error('not a guarded route');
      return { ...access.audienceRefusal, payload: JSON.parse(access.audienceRefusal.payload) as unknown };
    };
    expect(refusalOf(DeclaredController.prototype.guarded)).toEqual({
      status: 403,
      headers: {
        'WWW-Authenticate':
          'Bearer realm="gatehouse", error="insufficient_scope", error_description="Invalid audience: this route accepts web"',
        'content-type': 'application/json; charset=utf-8',
      },
      payload: { statusCode: 403, error: 'Forbidden', message: 'Invalid audience: this route accepts web' },
      message: 'Invalid audience: this route accepts web',
    });
    expect(refusalOf(ApiClassController.prototype.inherits).payload).toMatchObject({ message: 'Invalid audience: this route accepts api' });
    // Routes that accept the same audiences share one prepared answer.
    const web = table.accessOf(DeclaredController.prototype.guarded);
    const alsoWeb = table.accessOf(ApiClassController.prototype.overrides);
    expect(
      web !== undefined && !web.public && alsoWeb !== undefined && !alsoWeb.public && web.audienceRefusal === alsoWeb.audienceRefusal,
    ).toBe(true);
  });

  it('says so when a route accepts no audience the deployment serves', () => {
    const table = RouteAccessTable.resolve([ApiClassController], ['mcp']);
    const access = table.accessOf(ApiClassController.prototype.inherits);
    expect(access !== undefined && !access.public && JSON.parse(access.audienceRefusal.payload)).toMatchObject({
      message: 'Invalid audience: this route accepts no audience this deployment serves',
    });
  });

  it('hands each route’s access to Fastify through the route config, keeping config already there', () => {
    @Controller('configured')
    class ConfiguredController {
      @Get() @Audiences('api') configured() {}
    }
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { rateLimit: 5 }, ConfiguredController.prototype.configured);
    const table = RouteAccessTable.resolve([ConfiguredController], ALL);
    table.attachToRoutes();
    const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, ConfiguredController.prototype.configured) as Record<string, unknown>;
    expect(config.rateLimit).toBe(5);
    expect(config[ROUTE_ACCESS_CONFIG]).toBe(table.accessOf(ConfiguredController.prototype.configured));
  });
});

import { Controller, Get, Post } from '@nestjs/common';
import { findUndeclaredRoutes } from './route-access-audit.js';
import { Audiences, Public } from './route-access.decorators.js';

@Controller('declared')
class DeclaredController {
  @Get() @Public() open() {}
  @Post() @Audiences('web') guarded() {}
  helper() {}
}

@Public()
@Controller('public-class')
class PublicClassController {
  @Get() anything() {}
}

@Controller('forgotten')
class ForgottenController {
  @Get() forgotten() {}
  @Post() @Audiences('api') fine() {}
}

describe('findUndeclaredRoutes', () => {
  it('accepts routes declared on the method or the class, and ignores non-route methods', () => {
    expect(findUndeclaredRoutes([DeclaredController, PublicClassController])).toEqual([]);
  });

  it('names every route that declares neither @Public() nor @Audiences()', () => {
    expect(findUndeclaredRoutes([DeclaredController, ForgottenController])).toEqual(['ForgottenController.forgotten']);
  });
});

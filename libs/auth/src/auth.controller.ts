import { Body, Controller, Delete, Get, HttpCode, HttpStatus, NotFoundException, Param, ParseUUIDPipe, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { type PublicUser, toPublicUser, UsersService } from '@app/users';
import { type ClientInfo, AuthService, type TokenPair } from './auth.service.js';
import { LoginDto, LogoutQueryDto, RefreshDto, RegisterDto } from './dto/auth.dto.js';
import type { AuthenticatedRequest } from './guard/authenticated-request.js';
import { AnyAudience, Public } from './guard/route-access.decorators.js';
import { AddressRateLimitGuard } from './rate-limit/address-rate-limit.guard.js';
import { type SessionView, SessionsService } from './sessions/sessions.service.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  @Post('register')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  register(@Body() body: RegisterDto): Promise<{ user: PublicUser }> {
    return this.auth.register(body);
  }

  @Post('login')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  login(@Body() body: LoginDto, @Req() request: FastifyRequest): Promise<TokenPair> {
    return this.auth.login(body, clientInfo(request));
  }

  @Post('refresh')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  refresh(@Body() body: RefreshDto, @Req() request: FastifyRequest): Promise<TokenPair> {
    return this.auth.refresh(body, clientInfo(request));
  }

  @Post('logout')
  @AnyAudience()
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Req() request: AuthenticatedRequest, @Query() query: LogoutQueryDto): Promise<void> {
    await this.sessions.logout(request.auth.userId, request.auth.sessionId, query.scope ?? 'local');
  }

  @Get('me')
  @AnyAudience()
  async me(@Req() request: AuthenticatedRequest): Promise<{ user: PublicUser }> {
    const user = await this.users.findById(request.auth.userId);
    if (user === null) throw new NotFoundException('User not found');
    return { user: toPublicUser(user) };
  }

  @Get('sessions')
  @AnyAudience()
  listSessions(@Req() request: AuthenticatedRequest): Promise<SessionView[]> {
    return this.sessions.list(request.auth.userId, request.auth.sessionId);
  }

  @Delete('sessions/:id')
  @AnyAudience()
  @HttpCode(HttpStatus.NO_CONTENT)
  deleteSession(@Req() request: AuthenticatedRequest, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.sessions.deleteOwn(request.auth.userId, id);
  }
}

function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null };
}

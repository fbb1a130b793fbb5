import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Audience, SecurityConfig } from '@app/config';
import { type PublicUser, toPublicUser, UserNotFound, UsersService } from '@app/users';
import { type ClientInfo, AuthService, type TokenPair } from './auth.service.js';
import { LoginDto, LogoutQueryDto, RefreshDto, RegisterDto } from './dto/auth.dto.js';
import { ClaimsResponse, ErrorResponse, SessionResponse, TokenPairResponse, UserEnvelope } from './dto/responses.dto.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { AudienceInsufficient } from '../access/bearer-challenges.js';
import { AnyAudience, Audiences, Public } from '../access/route-access.decorators.js';
import { NoStore } from './no-store.decorator.js';
import { AddressRateLimitGuard } from './rate-limit/address-rate-limit.guard.js';
import { clientAddress } from './client-address.js';
import { type SessionView, SessionsService } from '../sessions/sessions.service.js';
import type { TokenClaims } from '../tokens/token-claims.js';

/** The audiences of a user's own apps: managing the user's sessions needs one of them. */
const USER_AUDIENCES: Audience[] = ['web', 'api'];

@ApiTags('auth')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Invalid input: one message per bad field' })
@ApiPayloadTooLargeResponse({ type: ErrorResponse, description: 'Body over 100 kB' })
@ApiUnsupportedMediaTypeResponse({ type: ErrorResponse, description: 'A body that is not application/json' })
@Controller('auth')
export class AuthController {
  /** The user audiences this deployment serves: what signing out other sessions accepts. */
  private readonly servedUserAudiences: readonly Audience[];

  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    security: SecurityConfig,
  ) {
    this.servedUserAudiences = USER_AUDIENCES.filter((audience) => security.audiences.includes(audience));
  }

  @Post('register')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  @ApiCreatedResponse({ type: UserEnvelope })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Email already registered' })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Registration is closed' })
  @ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'Over AUTH_RATE_LIMIT; see Retry-After' })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'Too many password hashes in progress; see Retry-After' })
  register(@Body() body: RegisterDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ user: PublicUser }> {
    return this.auth.register(body, closedSignal(reply));
  }

  @Post('login')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @NoStore()
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Invalid email or password' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: 'Over AUTH_RATE_LIMIT, LOGIN_MAX_FAILURES from this address, or the per-account ceiling; see Retry-After',
  })
  @ApiServiceUnavailableResponse({
    type: ErrorResponse,
    description: 'Token issuance disabled by a server misconfiguration, or too many password checks in progress (see Retry-After)',
  })
  login(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenPair> {
    return this.auth.login(body, { ...clientInfo(request), closed: closedSignal(reply) });
  }

  @Post('refresh')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @NoStore()
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Invalid, expired, reused or revoked refresh token' })
  @ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'Over AUTH_RATE_LIMIT; see Retry-After' })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'Token issuance disabled by a server misconfiguration' })
  refresh(@Body() body: RefreshDto, @Req() request: FastifyRequest): Promise<TokenPair> {
    return this.auth.refresh(body, clientInfo(request));
  }

  @Post('logout')
  @AnyAudience()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The sessions in scope are revoked' })
  async logout(@CurrentPrincipal() principal: Principal, @Query() query: LogoutQueryDto): Promise<void> {
    const scope = query.scope ?? 'local';
    // Any token may end its own session; signing the user's other devices out takes a user's
    // token (web or api), never an agent's (SPEC section 3).
    if (scope !== 'local' && !principal.audiences.some((audience) => USER_AUDIENCES.includes(audience))) {
      throw new AudienceInsufficient(`scope=${scope}`, this.servedUserAudiences);
    }
    await this.sessions.logout(principal.userId, principal.sessionId, scope);
  }

  @Get('me')
  @AnyAudience()
  @ApiOkResponse({ type: UserEnvelope })
  async me(@CurrentPrincipal() principal: Principal): Promise<{ user: PublicUser }> {
    const user = await this.users.findById(principal.userId);
    if (user === null) throw new UserNotFound();
    return { user: toPublicUser(user) };
  }

  /** The verified claims of the presented access token; answered without touching the database. */
  @Get('claims')
  @AnyAudience()
  @ApiOkResponse({ type: ClaimsResponse })
  claims(@CurrentPrincipal() principal: Principal): Readonly<TokenClaims> {
    return principal.claims;
  }

  @Get('sessions')
  @Audiences(...USER_AUDIENCES)
  @ApiOkResponse({ type: SessionResponse, isArray: true })
  listSessions(@CurrentPrincipal() principal: Principal): Promise<SessionView[]> {
    return this.sessions.list(principal.userId, principal.sessionId);
  }

  @Delete('sessions/:id')
  @Audiences(...USER_AUDIENCES)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The session is revoked' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Session not found (or not yours)' })
  deleteSession(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.sessions.deleteOwn(principal.userId, id);
  }
}

function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent'];
  return { ip: clientAddress(request), userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null };
}

/** Aborted when the connection closes before the answer is sent (the client gave up waiting). */
function closedSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Audience, SecurityConfig } from '@app/config';
import { ApiEndpoint, type Page, PAGE_QUERY_ERRORS, PageQueryDto, UuidParam } from '@app/http-api';
import {
  EMAIL_CHARACTERS_MESSAGE,
  EmailAlreadyRegistered,
  PasswordHashingBusy,
  PasswordLengthInvalid,
  type PublicUser,
  toPublicUser,
  UserNotFound,
  UsersService,
} from '@app/users';
import { type ClientInfo, AuthService, INVALID_CREDENTIALS, InvalidAudience, RegistrationClosed, type TokenPair } from './auth.service.js';
import { LOGIN_PASSWORD_LENGTH_MESSAGE, LoginDto, LogoutQueryDto, RefreshDto, RegisterDto } from './dto/auth.dto.js';
import { ClaimsResponse, SessionListResponse, TokenPairResponse, UserEnvelope } from './dto/responses.dto.js';
import { type AnyPrincipal, assertAccountWide, CurrentPrincipal, NarrowedTokenRefused, type Principal } from '../access/principal.js';
import { AudienceInsufficient, invalidAudienceMessage } from '../access/bearer-challenges.js';
import { AnyAudience, Audiences, Public } from '../access/route-access.decorators.js';
import { NoStore } from './no-store.decorator.js';
import { AddressRateLimitGuard } from './rate-limit/address-rate-limit.guard.js';
import { TooManyRequests } from './rate-limit/rate-limiters.js';
import { clientAddress } from './client-address.js';
import { SessionNotFound, type SessionView, SessionsService } from '../sessions/sessions.service.js';
import type { TokenClaims } from '../tokens/token-claims.js';
import { TokenIssuanceDisabled } from '../tokens/token-provider.js';

/** The audiences of a user's own apps: managing the user's sessions needs one of them. */
const USER_AUDIENCES: Audience[] = ['web', 'api'];

/** Examples of the answers that carry `Retry-After` (their seconds vary). */
const RATE_LIMITED = new TooManyRequests(30).message;
const HASHING_BUSY = new PasswordHashingBusy(2).message;
const REFRESH_REFUSALS = [
  'Invalid refresh token',
  'Refresh token expired',
  'Refresh token already used',
  'Refresh token reuse detected; the session has been revoked',
  'Session revoked',
];

@ApiTags('auth')
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
  @ApiEndpoint({
    operationId: 'register',
    summary: 'Create an account (unless ALLOW_REGISTRATION=false)',
    errors: {
      400: [
        ['email is required', 'password is required'],
        ['email must be a valid email address'],
        ['email must be shorter than or equal to 320 characters'],
        EMAIL_CHARACTERS_MESSAGE,
        PasswordLengthInvalid,
      ],
      403: RegistrationClosed,
      409: EmailAlreadyRegistered,
      429: RATE_LIMITED,
      503: HASHING_BUSY,
    },
  })
  @ApiCreatedResponse({ type: UserEnvelope })
  register(@Body() body: RegisterDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ user: PublicUser }> {
    return this.auth.register(body, closedSignal(reply));
  }

  @Post('login')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @NoStore()
  @ApiEndpoint({
    operationId: 'login',
    summary: 'Sign in with email and password: an access token and a refresh token',
    errors: {
      400: [
        ['email is required', 'password is required'],
        ['audience must be a string or an array of strings'],
        [LOGIN_PASSWORD_LENGTH_MESSAGE],
        InvalidAudience,
      ],
      401: INVALID_CREDENTIALS,
      429: RATE_LIMITED,
      503: [TokenIssuanceDisabled, HASHING_BUSY],
    },
  })
  @ApiOkResponse({ type: TokenPairResponse })
  login(@Body() body: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenPair> {
    return this.auth.login(body, { ...clientInfo(request), closed: closedSignal(reply) });
  }

  @Post('refresh')
  @Public()
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @NoStore()
  @ApiEndpoint({
    operationId: 'refreshTokens',
    summary: 'Trade a refresh token for a new pair (the refresh token rotates)',
    errors: { 400: [['refresh_token is required']], 401: REFRESH_REFUSALS, 429: RATE_LIMITED, 503: TokenIssuanceDisabled },
  })
  @ApiOkResponse({ type: TokenPairResponse })
  refresh(@Body() body: RefreshDto, @Req() request: FastifyRequest): Promise<TokenPair> {
    return this.auth.refresh(body, clientInfo(request));
  }

  @Post('logout')
  @AnyAudience()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiEndpoint({
    operationId: 'logout',
    summary: "End this session, or all the user's sessions (scope=global), or all but this one (scope=others)",
    errors: {
      400: [['scope must be one of local, global, others']],
      403: [
        invalidAudienceMessage(USER_AUDIENCES, 'scope=global'),
        invalidAudienceMessage(USER_AUDIENCES, 'scope=others'),
        NarrowedTokenRefused,
      ],
    },
  })
  @ApiNoContentResponse({ description: 'The sessions in scope are revoked' })
  async logout(@CurrentPrincipal() principal: Principal, @Query() query: LogoutQueryDto): Promise<void> {
    const scope = query.scope ?? 'local';
    // Any token may end its own session; signing the user's other devices out takes a user's
    // token (web or api), never an agent's (SPEC section 3).
    if (scope !== 'local' && !principal.audiences.some((audience) => USER_AUDIENCES.includes(audience))) {
      throw new AudienceInsufficient(`scope=${scope}`, this.servedUserAudiences);
    }
    if (scope !== 'local') assertAccountWide(principal);
    await this.sessions.logout(principal.userId, principal.sessionId, scope);
  }

  @Get('me')
  @AnyAudience()
  @ApiEndpoint({ operationId: 'getCurrentUser', summary: 'The signed-in user', errors: { 404: UserNotFound } })
  @ApiOkResponse({ type: UserEnvelope })
  async me(@CurrentPrincipal() principal: Principal): Promise<{ user: PublicUser }> {
    const user = await this.users.findById(principal.userId);
    if (user === null) throw new UserNotFound();
    return { user: toPublicUser(user) };
  }

  /** The verified claims of the presented access token; answered without touching the database. */
  @Get('claims')
  @AnyAudience({ clients: true })
  @ApiEndpoint({ operationId: 'getTokenClaims', summary: "The presented access token's verified claims (a user's or a client's own)" })
  @ApiOkResponse({ type: ClaimsResponse })
  claims(@CurrentPrincipal() principal: AnyPrincipal): Readonly<TokenClaims> {
    return principal.claims;
  }

  @Get('sessions')
  @Audiences(...USER_AUDIENCES)
  @ApiEndpoint({
    operationId: 'listSessions',
    summary: "The user's live sessions, most recently used first, a page at a time",
    errors: { 400: PAGE_QUERY_ERRORS, 403: NarrowedTokenRefused },
  })
  @ApiOkResponse({ type: SessionListResponse })
  listSessions(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto): Promise<Page<SessionView>> {
    assertAccountWide(principal);
    return this.sessions.list(principal.userId, principal.sessionId, query.limit, query.offset);
  }

  @Delete('sessions/:id')
  @Audiences(...USER_AUDIENCES)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiEndpoint({
    operationId: 'revokeSession',
    summary: "Sign one of the user's sessions out (a device, an app)",
    errors: { 403: NarrowedTokenRefused, 404: SessionNotFound },
  })
  @ApiNoContentResponse({ description: 'The session is revoked' })
  deleteSession(@CurrentPrincipal() principal: Principal, @UuidParam('id', 'The session') id: string): Promise<void> {
    assertAccountWide(principal);
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

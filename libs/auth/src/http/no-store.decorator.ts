import { applyDecorators, Header } from '@nestjs/common';

/**
 * For every response that carries tokens: no cache, shared or private, may keep it
 * (RFC 6749 section 5.1; `Pragma` for HTTP/1.0 caches).
 */
export const NoStore = () => applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));
